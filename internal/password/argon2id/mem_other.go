//go:build !unix

package argon2id

func alloc(n int) []block { return make([]block, n) }

func free([]block) error { return nil }
