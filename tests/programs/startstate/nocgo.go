// nocgo: the pure-Go (static) build of startstate.

package main

func cgoReport() string { return "none" }
