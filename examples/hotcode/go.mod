module hotcode

go 1.26

require github.com/gexdev/gex v0.0.0

require (
	github.com/BurntSushi/toml v1.6.0 // indirect
	github.com/petermattis/goid v0.0.0-20260820044319-269ab09b5261 // indirect
	github.com/traefik/yaegi v0.16.1 // indirect
)

replace github.com/gexdev/gex => ../..
