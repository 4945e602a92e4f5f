// Package bench is Sleuth's benchmark harness: it generates realistic
// corpora, runs Sleuth's components on them and prints the accuracy and
// speed tables that back every performance claim, so that a claim is always
// one command away.
//
// IndexBench measures the PDQ index of package index against the linear
// scan it replaces, on PDQ hashes drawn from the hashes of real and
// procedural pictures (see index_corpus.go for the generator and
// NewPDQCorpus to reuse it). From the command line:
//
//	sleuth bench index -size 1000000
//	go test ./bench -run IndexBenchReport -v -args -index.sizes=100000,1000000 -index.tables=8,10
package bench
