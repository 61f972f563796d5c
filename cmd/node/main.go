package main

import (
	"os"

	"github.com/gexdev/gex/cmd/node/internal/cli"
)

func main() {
	os.Exit(cli.Run(os.Args[1:]))
}
