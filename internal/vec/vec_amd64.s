#include "textflag.h"

// func div255x32(dst *float32, src *byte, n int)
TEXT ·div255x32(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	MOVL $0x437f0000, AX // 255.0
	MOVL AX, X15
	VBROADCASTSS X15, Y15

loop:
	VPMOVZXBD (SI), Y0
	VPMOVZXBD 8(SI), Y1
	VPMOVZXBD 16(SI), Y2
	VPMOVZXBD 24(SI), Y3
	VCVTDQ2PS Y0, Y0
	VCVTDQ2PS Y1, Y1
	VCVTDQ2PS Y2, Y2
	VCVTDQ2PS Y3, Y3
	VDIVPS Y15, Y0, Y0
	VDIVPS Y15, Y1, Y1
	VDIVPS Y15, Y2, Y2
	VDIVPS Y15, Y3, Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ $32, SI
	ADDQ $128, DI
	SUBQ $32, CX
	JNZ  loop
	VZEROUPPER
	RET

// func sqDiff16(y, x *float32, n int) float64
TEXT ·sqDiff16(SB), NOSPLIT, $0-32
	MOVQ y+0(FP), SI
	MOVQ x+8(FP), DI
	MOVQ n+16(FP), CX
	VXORPD Y8, Y8, Y8
	VXORPD Y9, Y9, Y9
	VXORPD Y10, Y10, Y10
	VXORPD Y11, Y11, Y11

loop:
	VCVTPS2PD (SI), Y0
	VCVTPS2PD 16(SI), Y1
	VCVTPS2PD 32(SI), Y2
	VCVTPS2PD 48(SI), Y3
	VCVTPS2PD (DI), Y4
	VCVTPS2PD 16(DI), Y5
	VCVTPS2PD 32(DI), Y6
	VCVTPS2PD 48(DI), Y7
	VSUBPD Y4, Y0, Y0
	VSUBPD Y5, Y1, Y1
	VSUBPD Y6, Y2, Y2
	VSUBPD Y7, Y3, Y3
	VFMADD231PD Y0, Y0, Y8
	VFMADD231PD Y1, Y1, Y9
	VFMADD231PD Y2, Y2, Y10
	VFMADD231PD Y3, Y3, Y11
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JNZ  loop
	VADDPD Y9, Y8, Y8
	VADDPD Y11, Y10, Y10
	VADDPD Y10, Y8, Y8
	VEXTRACTF128 $1, Y8, X9
	VADDPD X9, X8, X8
	VHADDPD X8, X8, X8
	VZEROUPPER
	MOVSD X8, ret+24(FP)
	RET

// Constants of the float32 kernels below, each repeated in the 8 lanes of a
// YMM register: Cephes' expf and tanhf polynomials (S. L. Moshier), the
// bounds and masks.
DATA fconst<>+0(SB)/4, $0x3f800000
DATA fconst<>+4(SB)/4, $0x3f800000
DATA fconst<>+8(SB)/4, $0x3f800000
DATA fconst<>+12(SB)/4, $0x3f800000
DATA fconst<>+16(SB)/4, $0x3f800000
DATA fconst<>+20(SB)/4, $0x3f800000
DATA fconst<>+24(SB)/4, $0x3f800000
DATA fconst<>+28(SB)/4, $0x3f800000
DATA fconst<>+32(SB)/4, $0x3fb8aa3b
DATA fconst<>+36(SB)/4, $0x3fb8aa3b
DATA fconst<>+40(SB)/4, $0x3fb8aa3b
DATA fconst<>+44(SB)/4, $0x3fb8aa3b
DATA fconst<>+48(SB)/4, $0x3fb8aa3b
DATA fconst<>+52(SB)/4, $0x3fb8aa3b
DATA fconst<>+56(SB)/4, $0x3fb8aa3b
DATA fconst<>+60(SB)/4, $0x3fb8aa3b
DATA fconst<>+64(SB)/4, $0x3f318000
DATA fconst<>+68(SB)/4, $0x3f318000
DATA fconst<>+72(SB)/4, $0x3f318000
DATA fconst<>+76(SB)/4, $0x3f318000
DATA fconst<>+80(SB)/4, $0x3f318000
DATA fconst<>+84(SB)/4, $0x3f318000
DATA fconst<>+88(SB)/4, $0x3f318000
DATA fconst<>+92(SB)/4, $0x3f318000
DATA fconst<>+96(SB)/4, $0xb95e8083
DATA fconst<>+100(SB)/4, $0xb95e8083
DATA fconst<>+104(SB)/4, $0xb95e8083
DATA fconst<>+108(SB)/4, $0xb95e8083
DATA fconst<>+112(SB)/4, $0xb95e8083
DATA fconst<>+116(SB)/4, $0xb95e8083
DATA fconst<>+120(SB)/4, $0xb95e8083
DATA fconst<>+124(SB)/4, $0xb95e8083
DATA fconst<>+128(SB)/4, $0x39506967
DATA fconst<>+132(SB)/4, $0x39506967
DATA fconst<>+136(SB)/4, $0x39506967
DATA fconst<>+140(SB)/4, $0x39506967
DATA fconst<>+144(SB)/4, $0x39506967
DATA fconst<>+148(SB)/4, $0x39506967
DATA fconst<>+152(SB)/4, $0x39506967
DATA fconst<>+156(SB)/4, $0x39506967
DATA fconst<>+160(SB)/4, $0x3ab743ce
DATA fconst<>+164(SB)/4, $0x3ab743ce
DATA fconst<>+168(SB)/4, $0x3ab743ce
DATA fconst<>+172(SB)/4, $0x3ab743ce
DATA fconst<>+176(SB)/4, $0x3ab743ce
DATA fconst<>+180(SB)/4, $0x3ab743ce
DATA fconst<>+184(SB)/4, $0x3ab743ce
DATA fconst<>+188(SB)/4, $0x3ab743ce
DATA fconst<>+192(SB)/4, $0x3c088908
DATA fconst<>+196(SB)/4, $0x3c088908
DATA fconst<>+200(SB)/4, $0x3c088908
DATA fconst<>+204(SB)/4, $0x3c088908
DATA fconst<>+208(SB)/4, $0x3c088908
DATA fconst<>+212(SB)/4, $0x3c088908
DATA fconst<>+216(SB)/4, $0x3c088908
DATA fconst<>+220(SB)/4, $0x3c088908
DATA fconst<>+224(SB)/4, $0x3d2aa9c1
DATA fconst<>+228(SB)/4, $0x3d2aa9c1
DATA fconst<>+232(SB)/4, $0x3d2aa9c1
DATA fconst<>+236(SB)/4, $0x3d2aa9c1
DATA fconst<>+240(SB)/4, $0x3d2aa9c1
DATA fconst<>+244(SB)/4, $0x3d2aa9c1
DATA fconst<>+248(SB)/4, $0x3d2aa9c1
DATA fconst<>+252(SB)/4, $0x3d2aa9c1
DATA fconst<>+256(SB)/4, $0x3e2aaaaa
DATA fconst<>+260(SB)/4, $0x3e2aaaaa
DATA fconst<>+264(SB)/4, $0x3e2aaaaa
DATA fconst<>+268(SB)/4, $0x3e2aaaaa
DATA fconst<>+272(SB)/4, $0x3e2aaaaa
DATA fconst<>+276(SB)/4, $0x3e2aaaaa
DATA fconst<>+280(SB)/4, $0x3e2aaaaa
DATA fconst<>+284(SB)/4, $0x3e2aaaaa
DATA fconst<>+288(SB)/4, $0x3f000000
DATA fconst<>+292(SB)/4, $0x3f000000
DATA fconst<>+296(SB)/4, $0x3f000000
DATA fconst<>+300(SB)/4, $0x3f000000
DATA fconst<>+304(SB)/4, $0x3f000000
DATA fconst<>+308(SB)/4, $0x3f000000
DATA fconst<>+312(SB)/4, $0x3f000000
DATA fconst<>+316(SB)/4, $0x3f000000
DATA fconst<>+320(SB)/4, $0xc2ae999a
DATA fconst<>+324(SB)/4, $0xc2ae999a
DATA fconst<>+328(SB)/4, $0xc2ae999a
DATA fconst<>+332(SB)/4, $0xc2ae999a
DATA fconst<>+336(SB)/4, $0xc2ae999a
DATA fconst<>+340(SB)/4, $0xc2ae999a
DATA fconst<>+344(SB)/4, $0xc2ae999a
DATA fconst<>+348(SB)/4, $0xc2ae999a
DATA fconst<>+352(SB)/4, $0x42b00000
DATA fconst<>+356(SB)/4, $0x42b00000
DATA fconst<>+360(SB)/4, $0x42b00000
DATA fconst<>+364(SB)/4, $0x42b00000
DATA fconst<>+368(SB)/4, $0x42b00000
DATA fconst<>+372(SB)/4, $0x42b00000
DATA fconst<>+376(SB)/4, $0x42b00000
DATA fconst<>+380(SB)/4, $0x42b00000
DATA fconst<>+384(SB)/4, $0x0000007f
DATA fconst<>+388(SB)/4, $0x0000007f
DATA fconst<>+392(SB)/4, $0x0000007f
DATA fconst<>+396(SB)/4, $0x0000007f
DATA fconst<>+400(SB)/4, $0x0000007f
DATA fconst<>+404(SB)/4, $0x0000007f
DATA fconst<>+408(SB)/4, $0x0000007f
DATA fconst<>+412(SB)/4, $0x0000007f
DATA fconst<>+416(SB)/4, $0x80000000
DATA fconst<>+420(SB)/4, $0x80000000
DATA fconst<>+424(SB)/4, $0x80000000
DATA fconst<>+428(SB)/4, $0x80000000
DATA fconst<>+432(SB)/4, $0x80000000
DATA fconst<>+436(SB)/4, $0x80000000
DATA fconst<>+440(SB)/4, $0x80000000
DATA fconst<>+444(SB)/4, $0x80000000
DATA fconst<>+448(SB)/4, $0x7fffffff
DATA fconst<>+452(SB)/4, $0x7fffffff
DATA fconst<>+456(SB)/4, $0x7fffffff
DATA fconst<>+460(SB)/4, $0x7fffffff
DATA fconst<>+464(SB)/4, $0x7fffffff
DATA fconst<>+468(SB)/4, $0x7fffffff
DATA fconst<>+472(SB)/4, $0x7fffffff
DATA fconst<>+476(SB)/4, $0x7fffffff
DATA fconst<>+480(SB)/4, $0x41700000
DATA fconst<>+484(SB)/4, $0x41700000
DATA fconst<>+488(SB)/4, $0x41700000
DATA fconst<>+492(SB)/4, $0x41700000
DATA fconst<>+496(SB)/4, $0x41700000
DATA fconst<>+500(SB)/4, $0x41700000
DATA fconst<>+504(SB)/4, $0x41700000
DATA fconst<>+508(SB)/4, $0x41700000
DATA fconst<>+512(SB)/4, $0xc2b00000
DATA fconst<>+516(SB)/4, $0xc2b00000
DATA fconst<>+520(SB)/4, $0xc2b00000
DATA fconst<>+524(SB)/4, $0xc2b00000
DATA fconst<>+528(SB)/4, $0xc2b00000
DATA fconst<>+532(SB)/4, $0xc2b00000
DATA fconst<>+536(SB)/4, $0xc2b00000
DATA fconst<>+540(SB)/4, $0xc2b00000
DATA fconst<>+544(SB)/4, $0xc0000000
DATA fconst<>+548(SB)/4, $0xc0000000
DATA fconst<>+552(SB)/4, $0xc0000000
DATA fconst<>+556(SB)/4, $0xc0000000
DATA fconst<>+560(SB)/4, $0xc0000000
DATA fconst<>+564(SB)/4, $0xc0000000
DATA fconst<>+568(SB)/4, $0xc0000000
DATA fconst<>+572(SB)/4, $0xc0000000
DATA fconst<>+576(SB)/4, $0x3f200000
DATA fconst<>+580(SB)/4, $0x3f200000
DATA fconst<>+584(SB)/4, $0x3f200000
DATA fconst<>+588(SB)/4, $0x3f200000
DATA fconst<>+592(SB)/4, $0x3f200000
DATA fconst<>+596(SB)/4, $0x3f200000
DATA fconst<>+600(SB)/4, $0x3f200000
DATA fconst<>+604(SB)/4, $0x3f200000
DATA fconst<>+608(SB)/4, $0xbbbaf0ea
DATA fconst<>+612(SB)/4, $0xbbbaf0ea
DATA fconst<>+616(SB)/4, $0xbbbaf0ea
DATA fconst<>+620(SB)/4, $0xbbbaf0ea
DATA fconst<>+624(SB)/4, $0xbbbaf0ea
DATA fconst<>+628(SB)/4, $0xbbbaf0ea
DATA fconst<>+632(SB)/4, $0xbbbaf0ea
DATA fconst<>+636(SB)/4, $0xbbbaf0ea
DATA fconst<>+640(SB)/4, $0x3ca9134e
DATA fconst<>+644(SB)/4, $0x3ca9134e
DATA fconst<>+648(SB)/4, $0x3ca9134e
DATA fconst<>+652(SB)/4, $0x3ca9134e
DATA fconst<>+656(SB)/4, $0x3ca9134e
DATA fconst<>+660(SB)/4, $0x3ca9134e
DATA fconst<>+664(SB)/4, $0x3ca9134e
DATA fconst<>+668(SB)/4, $0x3ca9134e
DATA fconst<>+672(SB)/4, $0xbd5c1e2d
DATA fconst<>+676(SB)/4, $0xbd5c1e2d
DATA fconst<>+680(SB)/4, $0xbd5c1e2d
DATA fconst<>+684(SB)/4, $0xbd5c1e2d
DATA fconst<>+688(SB)/4, $0xbd5c1e2d
DATA fconst<>+692(SB)/4, $0xbd5c1e2d
DATA fconst<>+696(SB)/4, $0xbd5c1e2d
DATA fconst<>+700(SB)/4, $0xbd5c1e2d
DATA fconst<>+704(SB)/4, $0x3e088393
DATA fconst<>+708(SB)/4, $0x3e088393
DATA fconst<>+712(SB)/4, $0x3e088393
DATA fconst<>+716(SB)/4, $0x3e088393
DATA fconst<>+720(SB)/4, $0x3e088393
DATA fconst<>+724(SB)/4, $0x3e088393
DATA fconst<>+728(SB)/4, $0x3e088393
DATA fconst<>+732(SB)/4, $0x3e088393
DATA fconst<>+736(SB)/4, $0xbeaaaa99
DATA fconst<>+740(SB)/4, $0xbeaaaa99
DATA fconst<>+744(SB)/4, $0xbeaaaa99
DATA fconst<>+748(SB)/4, $0xbeaaaa99
DATA fconst<>+752(SB)/4, $0xbeaaaa99
DATA fconst<>+756(SB)/4, $0xbeaaaa99
DATA fconst<>+760(SB)/4, $0xbeaaaa99
DATA fconst<>+764(SB)/4, $0xbeaaaa99
GLOBL fconst<>(SB), RODATA|NOPTR, $768

#define ONE fconst<>+0(SB)
#define LOG2E fconst<>+32(SB)
#define EXPC1 fconst<>+64(SB)
#define EXPC2 fconst<>+96(SB)
#define EXPP0 fconst<>+128(SB)
#define EXPP1 fconst<>+160(SB)
#define EXPP2 fconst<>+192(SB)
#define EXPP3 fconst<>+224(SB)
#define EXPP4 fconst<>+256(SB)
#define EXPP5 fconst<>+288(SB)
#define EXPLO fconst<>+320(SB)
#define EXPHI fconst<>+352(SB)
#define BIAS127 fconst<>+384(SB)
#define SIGNMASK fconst<>+416(SB)
#define ABSMASK fconst<>+448(SB)
#define SATHI fconst<>+480(SB)
#define SATLO fconst<>+512(SB)
#define MINUS2 fconst<>+544(SB)
#define TANHSMALL fconst<>+576(SB)
#define TANH0 fconst<>+608(SB)
#define TANH1 fconst<>+640(SB)
#define TANH2 fconst<>+672(SB)
#define TANH3 fconst<>+704(SB)
#define TANH4 fconst<>+736(SB)

// EXP sets X to exp(X) in float32, X clamped to [-87.3, 88] first (a NaN
// becomes -87.3), within 2 ulp: n = round(X log2 e), r = X - n ln 2 in two
// parts, exp(r) by Cephes' degree-7 polynomial, times 2^n from the exponent
// bits. T1, T2 and T3 are overwritten.
#define EXP(X, T1, T2, T3) \
	VMAXPS EXPLO, X, X \
	VMINPS EXPHI, X, X \
	VMULPS LOG2E, X, T1 \
	VROUNDPS $0, T1, T1 \
	VFNMADD231PS EXPC1, T1, X \
	VFNMADD231PS EXPC2, T1, X \
	VMULPS X, X, T2 \
	VMOVUPS EXPP0, T3 \
	VFMADD213PS EXPP1, X, T3 \
	VFMADD213PS EXPP2, X, T3 \
	VFMADD213PS EXPP3, X, T3 \
	VFMADD213PS EXPP4, X, T3 \
	VFMADD213PS EXPP5, X, T3 \
	VFMADD213PS X, T2, T3 \
	VADDPS ONE, T3, T3 \
	VCVTPS2DQ T1, T1 \
	VPADDD BIAS127, T1, T1 \
	VPSLLD $23, T1, T1 \
	VMULPS T1, T3, X

// func sigmoid8(dst, src *float32, n int)
TEXT ·sigmoid8(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX

sigmoidloop:
	VMOVUPS (SI), Y0
	VXORPS SIGNMASK, Y0, Y1
	EXP(Y1, Y2, Y3, Y4)
	VADDPS ONE, Y1, Y1
	VMOVUPS ONE, Y2
	VDIVPS Y1, Y2, Y2
	VCMPPS $0x1e, SATHI, Y0, Y3 // x > 15: 1
	VBLENDVPS Y3, ONE, Y2, Y2
	VCMPPS $0x11, SATLO, Y0, Y3 // x < -88: 0
	VANDNPS Y2, Y3, Y2
	VCMPPS $3, Y0, Y0, Y3       // NaN: NaN
	VBLENDVPS Y3, Y0, Y2, Y2
	VMOVUPS Y2, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ  sigmoidloop
	VZEROUPPER
	RET

// func tanh8(dst, src *float32, n int)
TEXT ·tanh8(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX

tanhloop:
	VMOVUPS (SI), Y0
	VANDPS ABSMASK, Y0, Y1     // a = |x|
	VMULPS MINUS2, Y1, Y2
	EXP(Y2, Y3, Y4, Y5)        // e = exp(-2a)
	VMOVUPS ONE, Y3
	VSUBPS Y2, Y3, Y3
	VADDPS ONE, Y2, Y2
	VDIVPS Y2, Y3, Y3          // (1-e)/(1+e) = tanh(a)
	VANDPS SIGNMASK, Y0, Y4
	VORPS Y4, Y3, Y3           // with the sign of x
	VMULPS Y0, Y0, Y4          // z = x*x
	VMOVUPS TANH0, Y5
	VFMADD213PS TANH1, Y4, Y5
	VFMADD213PS TANH2, Y4, Y5
	VFMADD213PS TANH3, Y4, Y5
	VFMADD213PS TANH4, Y4, Y5
	VMULPS Y4, Y5, Y5
	VFMADD213PS Y0, Y0, Y5     // x + x z P(z), for a < 0.625
	VCMPPS $0x11, TANHSMALL, Y1, Y6
	VBLENDVPS Y6, Y5, Y3, Y3
	VCMPPS $3, Y0, Y0, Y6      // NaN: NaN
	VBLENDVPS Y6, Y0, Y3, Y3
	VMOVUPS Y3, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ  tanhloop
	VZEROUPPER
	RET

// HSUM4 adds the four float64 accumulators A, B, C and D into the low
// lane of XA (the 128-bit half of A), using XT (that of T).
#define HSUM4(A, B, C, D, XA, XT, T) \
	VADDPD B, A, A \
	VADDPD D, C, C \
	VADDPD C, A, A \
	VEXTRACTF128 $1, A, XT \
	VADDPD XT, XA, XA \
	VHADDPD XA, XA, XA

// func sum16(x *float32, n int) float64
TEXT ·sum16(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	VXORPD Y8, Y8, Y8
	VXORPD Y9, Y9, Y9
	VXORPD Y10, Y10, Y10
	VXORPD Y11, Y11, Y11

sumloop:
	VCVTPS2PD (SI), Y0
	VCVTPS2PD 16(SI), Y1
	VCVTPS2PD 32(SI), Y2
	VCVTPS2PD 48(SI), Y3
	VADDPD Y0, Y8, Y8
	VADDPD Y1, Y9, Y9
	VADDPD Y2, Y10, Y10
	VADDPD Y3, Y11, Y11
	ADDQ $64, SI
	SUBQ $16, CX
	JNZ  sumloop
	HSUM4(Y8, Y9, Y10, Y11, X8, X9, Y9)
	VZEROUPPER
	MOVSD X8, ret+16(FP)
	RET

// func sqDev16(x *float32, mu float64, n int) float64
TEXT ·sqDev16(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), SI
	VBROADCASTSD mu+8(FP), Y7
	MOVQ n+16(FP), CX
	VXORPD Y8, Y8, Y8
	VXORPD Y9, Y9, Y9
	VXORPD Y10, Y10, Y10
	VXORPD Y11, Y11, Y11

sqdevloop:
	VCVTPS2PD (SI), Y0
	VCVTPS2PD 16(SI), Y1
	VCVTPS2PD 32(SI), Y2
	VCVTPS2PD 48(SI), Y3
	VSUBPD Y7, Y0, Y0
	VSUBPD Y7, Y1, Y1
	VSUBPD Y7, Y2, Y2
	VSUBPD Y7, Y3, Y3
	VFMADD231PD Y0, Y0, Y8
	VFMADD231PD Y1, Y1, Y9
	VFMADD231PD Y2, Y2, Y10
	VFMADD231PD Y3, Y3, Y11
	ADDQ $64, SI
	SUBQ $16, CX
	JNZ  sqdevloop
	HSUM4(Y8, Y9, Y10, Y11, X8, X9, Y9)
	VZEROUPPER
	MOVSD X8, ret+24(FP)
	RET

// func sumDot8(dy, x *float32, mu float64, n int) (sum, dot float64)
TEXT ·sumDot8(SB), NOSPLIT, $0-48
	MOVQ dy+0(FP), SI
	MOVQ x+8(FP), DI
	VBROADCASTSD mu+16(FP), Y7
	MOVQ n+24(FP), CX
	VXORPD Y8, Y8, Y8
	VXORPD Y9, Y9, Y9
	VXORPD Y10, Y10, Y10
	VXORPD Y11, Y11, Y11

sumdotloop:
	VCVTPS2PD (SI), Y0
	VCVTPS2PD 16(SI), Y1
	VCVTPS2PD (DI), Y2
	VCVTPS2PD 16(DI), Y3
	VSUBPD Y7, Y2, Y2
	VSUBPD Y7, Y3, Y3
	VADDPD Y0, Y8, Y8
	VADDPD Y1, Y9, Y9
	VFMADD231PD Y2, Y0, Y10
	VFMADD231PD Y3, Y1, Y11
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ  sumdotloop
	VADDPD Y9, Y8, Y8
	VEXTRACTF128 $1, Y8, X9
	VADDPD X9, X8, X8
	VHADDPD X8, X8, X8
	MOVSD X8, sum+32(FP)
	VADDPD Y11, Y10, Y10
	VEXTRACTF128 $1, Y10, X11
	VADDPD X11, X10, X10
	VHADDPD X10, X10, X10
	VZEROUPPER
	MOVSD X10, dot+40(FP)
	RET

// RELU sets X to max(0, X) + 0 with Z zero: NaN stays NaN (VMAXPS returns
// its second source when either is NaN) and -0 becomes +0, as Go's
// max(x, 0).
#define RELU(X, Z) \
	VMAXPS X, Z, X \
	VADDPS Z, X, X

// func addReLU8(dst, b *float32, n int, relu bool)
TEXT ·addReLU8(SB), NOSPLIT, $0-25
	MOVQ dst+0(FP), DI
	MOVQ b+8(FP), SI
	MOVQ n+16(FP), CX
	MOVBLZX relu+24(FP), AX
	VXORPS Y15, Y15, Y15
	TESTQ AX, AX
	JNZ  addreluloop

addloop:
	VMOVUPS (DI), Y0
	VADDPS (SI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ  addloop
	VZEROUPPER
	RET

addreluloop:
	VMOVUPS (DI), Y0
	VADDPS (SI), Y0, Y0
	RELU(Y0, Y15)
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ  addreluloop
	VZEROUPPER
	RET

// func relu8(dst, src *float32, n int)
TEXT ·relu8(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	VXORPS Y15, Y15, Y15

reluloop:
	VMOVUPS (SI), Y0
	RELU(Y0, Y15)
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ  reluloop
	VZEROUPPER
	RET

// func reluGrad8(dx, dy, y *float32, n int)
TEXT ·reluGrad8(SB), NOSPLIT, $0-32
	MOVQ dx+0(FP), DI
	MOVQ dy+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ n+24(FP), CX
	VXORPS Y15, Y15, Y15

relugradloop:
	VCMPPS $0x11, (DX), Y15, Y0 // 0 < y, false for NaN
	VANDPS (SI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, DX
	SUBQ $8, CX
	JNZ  relugradloop
	VZEROUPPER
	RET

// func scaledDiff8(dst, y, t *float32, c float32, n int)
TEXT ·scaledDiff8(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ y+8(FP), SI
	MOVQ t+16(FP), DX
	VBROADCASTSS c+24(FP), Y15
	MOVQ n+32(FP), CX

scaleddiffloop:
	VMOVUPS (SI), Y0
	VSUBPS (DX), Y0, Y0
	VMULPS Y15, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, DX
	SUBQ $8, CX
	JNZ  scaleddiffloop
	VZEROUPPER
	RET

// func accumulate8(acc *float64, x *float32, n int)
TEXT ·accumulate8(SB), NOSPLIT, $0-24
	MOVQ acc+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX

accloop:
	VCVTPS2PD (SI), Y0
	VCVTPS2PD 16(SI), Y1
	VADDPD (DI), Y0, Y0
	VADDPD 32(DI), Y1, Y1
	VMOVUPD Y0, (DI)
	VMOVUPD Y1, 32(DI)
	ADDQ $32, SI
	ADDQ $64, DI
	SUBQ $8, CX
	JNZ  accloop
	VZEROUPPER
	RET

// func addConstReLU8(x *float32, b float32, n int, relu bool)
TEXT ·addConstReLU8(SB), NOSPLIT, $0-25
	MOVQ x+0(FP), DI
	VBROADCASTSS b+8(FP), Y14
	MOVQ n+16(FP), CX
	MOVBLZX relu+24(FP), AX
	VXORPS Y15, Y15, Y15
	TESTQ AX, AX
	JNZ  addconstreluloop

addconstloop:
	VADDPS (DI), Y14, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ  addconstloop
	VZEROUPPER
	RET

addconstreluloop:
	VADDPS (DI), Y14, Y0
	RELU(Y0, Y15)
	VMOVUPS Y0, (DI)
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ  addconstreluloop
	VZEROUPPER
	RET
