#include "textflag.h"

// func adam16(k *adamKernel, p, gr, m, v *float32, n int)
// k: beta1, alpha1, beta2, alpha2, bc2Sqrt, eps, negStep (float32 each).
TEXT ·adam16(SB), NOSPLIT, $0-48
	MOVQ k+0(FP), AX
	MOVQ p+8(FP), DI
	MOVQ gr+16(FP), SI
	MOVQ m+24(FP), BX
	MOVQ v+32(FP), DX
	MOVQ n+40(FP), CX
	VBROADCASTSS 0(AX), Z10  // beta1
	VBROADCASTSS 4(AX), Z11  // alpha1
	VBROADCASTSS 8(AX), Z12  // beta2
	VBROADCASTSS 12(AX), Z13 // alpha2
	VBROADCASTSS 16(AX), Z14 // bc2Sqrt
	VBROADCASTSS 20(AX), Z15 // eps
	VBROADCASTSS 24(AX), Z16 // negStep
	XORQ R8, R8

loop:
	CMPQ R8, CX
	JGE  done
	VMOVUPS (SI)(R8*4), Z0      // g
	VMOVUPS (BX)(R8*4), Z1      // m
	VMOVUPS (DX)(R8*4), Z2      // v
	VMULPS  Z10, Z1, Z1         // m1 = m*beta1
	VMULPS  Z12, Z2, Z2         // v1 = v*beta2
	VMULPS  Z13, Z0, Z4         // g2 = alpha2*g
	VFMADD231PS Z11, Z0, Z1     // m = g*alpha1 + m1, rounded once
	VFMADD231PS Z0, Z4, Z2      // v = g2*g + v1, rounded once
	VMOVUPS Z1, (BX)(R8*4)
	VMOVUPS Z2, (DX)(R8*4)
	VSQRTPS Z2, Z5
	VDIVPS  Z14, Z5, Z5         // sqrt(v)/bc2Sqrt
	VADDPS  Z15, Z5, Z5         // + eps
	VMULPS  Z16, Z1, Z6         // negStep*m
	VDIVPS  Z5, Z6, Z6          // / denom
	VADDPS  (DI)(R8*4), Z6, Z6  // p + step
	VMOVUPS Z6, (DI)(R8*4)
	ADDQ    $16, R8
	JMP     loop

done:
	VZEROUPPER
	RET

// func sgd16(p, gr, b *float32, n int, negLR, mom float32, first, nesterov bool)
TEXT ·sgd16(SB), NOSPLIT, $0-42
	MOVQ p+0(FP), DI
	MOVQ gr+8(FP), SI
	MOVQ b+16(FP), BX
	MOVQ n+24(FP), CX
	VBROADCASTSS negLR+32(FP), Z10
	VBROADCASTSS mom+36(FP), Z11
	MOVBLZX first+40(FP), R9
	MOVBLZX nesterov+41(FP), R10
	XORQ R8, R8

sloop:
	CMPQ R8, CX
	JGE  sdone
	VMOVUPS (SI)(R8*4), Z0 // g
	VMOVAPS Z0, Z1         // b = g on the first step
	TESTQ   R9, R9
	JNZ     sfirst
	VMOVUPS (BX)(R8*4), Z1
	VMULPS  Z11, Z1, Z1    // b*mom, rounded
	VADDPS  Z0, Z1, Z1     // + g, rounded

sfirst:
	VMOVUPS Z1, (BX)(R8*4)
	TESTQ   R10, R10
	JZ      splain
	VFMADD132PS Z11, Z0, Z1 // d = b*mom + g, rounded once

splain:
	VMOVUPS (DI)(R8*4), Z2
	VFMADD231PS Z10, Z1, Z2 // p = d*negLR + p, rounded once
	VMOVUPS Z2, (DI)(R8*4)
	ADDQ    $16, R8
	JMP     sloop

sdone:
	VZEROUPPER
	RET
