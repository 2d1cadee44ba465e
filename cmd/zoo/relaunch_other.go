//go:build !unix

package main

// relaunch does nothing: starting again in place needs exec.
func relaunch() {}
