package main

import (
	"encoding/json"
	"os"

	"github.com/sleuthhq/sleuth/bench"
)

func main() {
	var r bench.AccuracyResult
	f, _ := os.Open(os.Args[1])
	if err := json.NewDecoder(f).Decode(&r); err != nil {
		panic(err)
	}
	r.WriteTable(os.Stdout)
}
