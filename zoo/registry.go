package zoo

import (
	"fmt"
	"sort"
	"strings"
)

// registry holds the models of the zoo by name. It is filled once, at
// package initialisation, and never changed after.
var registry = map[string]*Model{}

// register adds m to the registry; it is called from init only, so a
// malformed or repeated model is a programming error.
func register(m *Model) {
	if err := m.Validate(); err != nil {
		panic("zoo: " + err.Error())
	}
	if _, dup := registry[m.Name]; dup {
		panic("zoo: model " + m.Name + " registered twice")
	}
	registry[m.Name] = m
}

// Lookup returns a copy of the registered model with the given name.
func Lookup(name string) (*Model, error) {
	m, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("no model %q in the zoo (known: %s)", name, strings.Join(Names(), ", "))
	}
	return m.Clone(), nil
}

// Names returns the names of all registered models, sorted.
func Names() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// All returns copies of all registered models, sorted by name.
func All() []*Model {
	var ms []*Model
	for _, n := range Names() {
		ms = append(ms, registry[n].Clone())
	}
	return ms
}
