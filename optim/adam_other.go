//go:build !amd64

package optim

const haveAdam16 = false

func adam16(k *adamKernel, p, gr, m, v *float32, n int) { panic("optim: adam16 without AVX-512") }

func sgd16(p, gr, b *float32, n int, negLR, mom float32, first, nesterov bool) {
	panic("optim: sgd16 without AVX-512")
}
