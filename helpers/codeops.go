package helpers

import (
	"errors"

	"github.com/gexdev/gex/node"
	"github.com/gexdev/gex/node/code"
)

// LoadFile loads module from the code path, as Erlang's code:load_file,
// and answers as it does, {module, Name}: the atom module and the
// module's name. Unlike L it does not purge first: loading a third
// version fails while processes still run the old one.
func (e *Env) LoadFile(module string) (node.Atom, string, error) {
	res, err := e.load(module)
	if err != nil {
		return "", "", err
	}
	return node.Atom("module"), res.Module.Name, nil
}

func (e *Env) load(module string) (*code.LoadResult, error) {
	cs, err := e.code()
	if err != nil {
		return nil, err
	}
	return cs.Load(module)
}

// Purge removes module's old version, killing the processes still
// running it, as code:purge; it reports whether any were killed.
func (e *Env) Purge(module string) (bool, error) {
	cs, err := e.code()
	if err != nil {
		return false, err
	}
	killed, err := cs.Purge(module)
	return len(killed) > 0, err
}

// SoftPurge removes module's old version unless processes still run it,
// as code:soft_purge; it reports whether the old version is gone.
func (e *Env) SoftPurge(module string) (bool, error) {
	cs, err := e.code()
	if err != nil {
		return false, err
	}
	err = cs.SoftPurge(module)
	if errors.Is(err, code.ErrLingering) {
		return false, nil
	}
	return err == nil, err
}

// Delete makes module's current version old, as code:delete; it reports
// false when an old version is in the way.
func (e *Env) Delete(module string) (bool, error) {
	cs, err := e.code()
	if err != nil {
		return false, err
	}
	err = cs.Delete(module)
	if errors.Is(err, code.ErrOldCode) {
		return false, nil
	}
	return err == nil, err
}
