//go:build !linux

package exepages

import "errors"

// Release is Linux only.
func Release() (Stats, error) {
	return Stats{}, errors.ErrUnsupported
}
