module github.com/sleuthhq/sleuth

go 1.26
