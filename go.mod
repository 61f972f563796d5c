module github.com/gexdev/gex

go 1.26

require (
	github.com/BurntSushi/toml v1.6.0
	github.com/chzyer/readline v1.5.1
	github.com/creack/pty v1.1.24
	github.com/fatih/color v1.19.0
	github.com/fsnotify/fsnotify v1.10.1
	github.com/mattn/go-isatty v0.0.20
	github.com/petermattis/goid v0.0.0-20260820044319-269ab09b5261
	github.com/traefik/yaegi v0.16.1
	golang.org/x/sys v0.42.0
)

require github.com/mattn/go-colorable v0.1.14 // indirect
