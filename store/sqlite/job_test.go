package sqlite

import (
	"testing"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/store/storetest"
)

func TestJobStore(t *testing.T) {
	storetest.RunJobs(t, func(t *testing.T) sleuth.JobStore { return openTest(t) })
}

func TestContractNFTs(t *testing.T) {
	storetest.RunContractNFTs(t, func(t *testing.T) sleuth.Store { return openTest(t) },
		func(st sleuth.Store) sleuth.JobStore { return st.(*DB) })
}
