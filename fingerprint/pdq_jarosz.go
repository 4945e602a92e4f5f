package fingerprint

// Jarosz filter and decimation, after the reference's
// pdq/cpp/downscaling/downscaling.cpp (Wojciech Jarosz, "Fast Image
// Convolutions", SIGGRAPH 2001: X,Y,X,Y passes of 1-D box filters give a 2-D
// tent filter).
//
// The loops are reorganised for speed (several rows at once, column passes
// as rows of accumulators, the last pass computed only where the decimation
// samples it) but every output value goes through exactly the reference's
// float32 operations in the reference's order, so the results are bitwise
// those of the C++ code.

// jaroszWindowSize is computeJaroszFilterWindowSize(oldDimension, 64):
// ceil(old / 128), half the 1/64 block per pass since there are two passes.
func jaroszWindowSize(oldDimension int) int {
	const newDimension = 64
	return (oldDimension + 2*newDimension - 1) / (2 * newDimension)
}

// divf returns float32(s / float32(d)) for a small positive integer d,
// given inv = 1/float64(d). The float64 product has relative error below
// 2^-52 while an exact float32 quotient s/d with d < 2^20 is either
// representable or at least 2^-45 (relative) away from a float32 rounding
// boundary, so rounding the product to float32 gives the correctly rounded
// quotient: bitwise the reference's float division, without the divider's
// latency. (TestDivfMatchesDivision checks it.)
func divf(s float32, inv float64) float32 { return float32(float64(s) * inv) }

// jaroszDecimate filters w.buf1 (rows x cols luma) with the reference's
// jaroszFilterFloat (PDQ_NUM_JAROSZ_XY_PASSES X,Y pairs) and decimates it to
// w.a64 as decimateFloat does. w.buf1 and w.buf2 are clobbered.
func (w *pdqWork) jaroszDecimate(rows, cols int) {
	windowAlongRows := jaroszWindowSize(cols)
	windowAlongCols := jaroszWindowSize(rows)

	// decimateFloat: target centres, not corners.
	for i := range w.rowIdx {
		w.rowIdx[i] = int(((float64(i) + 0.5) * float64(rows)) / 64)
		w.colIdx[i] = int(((float64(i) + 0.5) * float64(cols)) / 64)
	}

	for pass := 0; pass < pdqJaroszPasses-1; pass++ {
		boxAlongRows(w.buf1, w.buf2, rows, cols, windowAlongRows)
		boxAlongCols(w.buf2, w.buf1, rows, cols, windowAlongCols, w.sums)
	}
	// Last pass: the decimation reads only 64 columns of the column pass,
	// and each column of a column pass depends on that column alone.
	boxAlongRows(w.buf1, w.buf2, rows, cols, windowAlongRows)
	boxAlongColsDecimate(w.buf2, rows, cols, windowAlongCols, &w.colIdx, &w.rowIdx, &w.a64)
}

// boxAlongRows is boxAlongRowsFloat: box1DFloat along every row. Four rows
// are filtered together so that their running sums, each a serial chain of
// float adds, overlap.
func boxAlongRows(in, out []float32, rows, cols, window int) {
	r := 0
	for ; r+4 <= rows; r += 4 {
		box1DRows4(in[r*cols:(r+4)*cols], out[r*cols:(r+4)*cols], cols, window)
	}
	for ; r < rows; r++ {
		box1D(in[r*cols:(r+1)*cols], out[r*cols:(r+1)*cols], window)
	}
}

// box1D is the reference's box1DFloat for a contiguous vector:
//
//	phase 1: accumulate half-1 values, no writes;
//	phase 2: add and write (growing window);
//	phase 3: add, subtract and write (full window);
//	phase 4: subtract and write (shrinking window).
func box1D(in, out []float32, window int) {
	n := len(in)
	out = out[:n]
	half := (window + 2) / 2 // 7->4, 8->5
	var sum float32
	ri, li, oi := 0, 0, 0
	cur := 0
	for ; ri < half-1; ri++ {
		sum += in[ri]
		cur++
	}
	for k := 0; k < window-half+1; k++ {
		sum += in[ri]
		cur++
		out[oi] = sum / float32(cur)
		ri++
		oi++
	}
	if cur&(cur-1) == 0 {
		inv := 1 / float32(cur) // exact: cur is a power of two
		for ; ri < n; ri, li, oi = ri+1, li+1, oi+1 {
			sum += in[ri]
			sum -= in[li]
			out[oi] = sum * inv
		}
	} else {
		inv := 1 / float64(cur)
		for ; ri < n; ri, li, oi = ri+1, li+1, oi+1 {
			sum += in[ri]
			sum -= in[li]
			out[oi] = divf(sum, inv)
		}
	}
	for ; oi < n; li, oi = li+1, oi+1 {
		sum -= in[li]
		cur--
		out[oi] = sum / float32(cur)
	}
}

// box1DRows4 runs box1D on four consecutive rows of n values each.
func box1DRows4(in, out []float32, n, window int) {
	in0, in1, in2, in3 := in[0:n:n], in[n:2*n:2*n], in[2*n:3*n:3*n], in[3*n:4*n:4*n]
	out0, out1, out2, out3 := out[0:n:n], out[n:2*n:2*n], out[2*n:3*n:3*n], out[3*n:4*n:4*n]
	half := (window + 2) / 2
	var s0, s1, s2, s3 float32
	ri, oi := 0, 0
	cur := 0
	for ; ri < half-1; ri++ {
		s0 += in0[ri]
		s1 += in1[ri]
		s2 += in2[ri]
		s3 += in3[ri]
		cur++
	}
	for k := 0; k < window-half+1; k++ {
		s0 += in0[ri]
		s1 += in1[ri]
		s2 += in2[ri]
		s3 += in3[ri]
		cur++
		d := float32(cur)
		out0[oi] = s0 / d
		out1[oi] = s1 / d
		out2[oi] = s2 / d
		out3[oi] = s3 / d
		ri++
		oi++
	}
	li := 0
	if cur&(cur-1) == 0 {
		inv := 1 / float32(cur) // exact: cur is a power of two
		for ri < n && li < n && oi < n {
			s0 += in0[ri]
			s0 -= in0[li]
			s1 += in1[ri]
			s1 -= in1[li]
			s2 += in2[ri]
			s2 -= in2[li]
			s3 += in3[ri]
			s3 -= in3[li]
			out0[oi] = s0 * inv
			out1[oi] = s1 * inv
			out2[oi] = s2 * inv
			out3[oi] = s3 * inv
			ri++
			li++
			oi++
		}
	} else {
		inv := 1 / float64(cur)
		for ri < n && li < n && oi < n {
			s0 += in0[ri]
			s0 -= in0[li]
			s1 += in1[ri]
			s1 -= in1[li]
			s2 += in2[ri]
			s2 -= in2[li]
			s3 += in3[ri]
			s3 -= in3[li]
			out0[oi] = divf(s0, inv)
			out1[oi] = divf(s1, inv)
			out2[oi] = divf(s2, inv)
			out3[oi] = divf(s3, inv)
			ri++
			li++
			oi++
		}
	}
	for ; oi < n; li, oi = li+1, oi+1 {
		s0 -= in0[li]
		s1 -= in1[li]
		s2 -= in2[li]
		s3 -= in3[li]
		cur--
		d := float32(cur)
		out0[oi] = s0 / d
		out1[oi] = s1 / d
		out2[oi] = s2 / d
		out3[oi] = s3 / d
	}
}

// boxAlongCols is boxAlongColsFloat (box1DFloat down every column), with the
// loops interchanged: one running sum per column, advanced a whole row at a
// time. Each column sees the same operations in the same order.
func boxAlongCols(in, out []float32, rows, cols, window int, sums []float32) {
	sums = sums[:cols]
	clear(sums)
	half := (window + 2) / 2
	ri, li, oi := 0, 0, 0
	cur := 0
	for ; ri < half-1; ri++ {
		add := in[ri*cols : ri*cols+cols]
		add = add[:len(sums)]
		for j, v := range add {
			sums[j] += v
		}
		cur++
	}
	for k := 0; k < window-half+1; k++ {
		cur++
		d := float32(cur)
		add := in[ri*cols : ri*cols+cols]
		o := out[oi*cols : oi*cols+cols]
		add = add[:len(sums)]
		o = o[:len(sums)]
		for j, v := range add {
			s := sums[j] + v
			sums[j] = s
			o[j] = s / d
		}
		ri++
		oi++
	}
	pow2 := cur&(cur-1) == 0
	inv32 := 1 / float32(cur) // exact when pow2
	inv := 1 / float64(cur)
	for ; ri < rows; ri, li, oi = ri+1, li+1, oi+1 {
		add := in[ri*cols : ri*cols+cols]
		sub := in[li*cols : li*cols+cols]
		o := out[oi*cols : oi*cols+cols]
		add = add[:len(sums)]
		sub = sub[:len(sums)]
		o = o[:len(sums)]
		if pow2 {
			for j, v := range add {
				s := sums[j] + v
				s -= sub[j]
				sums[j] = s
				o[j] = s * inv32
			}
		} else {
			for j, v := range add {
				s := sums[j] + v
				s -= sub[j]
				sums[j] = s
				o[j] = divf(s, inv)
			}
		}
	}
	for ; oi < rows; li, oi = li+1, oi+1 {
		cur--
		d := float32(cur)
		sub := in[li*cols : li*cols+cols]
		o := out[oi*cols : oi*cols+cols]
		sub = sub[:len(sums)]
		o = o[:len(sums)]
		for j, v := range sub {
			s := sums[j] - v
			sums[j] = s
			o[j] = s / d
		}
	}
}

// boxAlongColsDecimate is the last boxAlongColsFloat followed by
// decimateFloat: it runs box1DFloat only down the 64 sampled columns and
// stores only the sampled rows, out[i*64+j] = filtered[rowIdx[i]][colIdx[j]].
func boxAlongColsDecimate(in []float32, rows, cols, window int, colIdx, rowIdx *[64]int, out *[64 * 64]float32) {
	var acc [64]float32
	half := (window + 2) / 2
	ri, li, oi := 0, 0, 0
	next := 0 // next output row of out to fill
	emit := func(d float32, inv float64, useInv bool) {
		for next < 64 && rowIdx[next] == oi {
			o := out[next*64 : next*64+64 : next*64+64]
			if useInv {
				for j := range o {
					o[j] = divf(acc[j], inv)
				}
			} else {
				for j := range o {
					o[j] = acc[j] / d
				}
			}
			next++
		}
	}
	cur := 0
	for ; ri < half-1; ri++ {
		add := in[ri*cols : ri*cols+cols]
		for j, c := range colIdx {
			acc[j] += add[c]
		}
		cur++
	}
	for k := 0; k < window-half+1; k++ {
		cur++
		add := in[ri*cols : ri*cols+cols]
		for j, c := range colIdx {
			acc[j] += add[c]
		}
		emit(float32(cur), 0, false)
		ri++
		oi++
	}
	inv := 1 / float64(cur)
	for ; ri < rows; ri, li, oi = ri+1, li+1, oi+1 {
		add := in[ri*cols : ri*cols+cols]
		sub := in[li*cols : li*cols+cols]
		for j, c := range colIdx {
			s := acc[j] + add[c]
			s -= sub[c]
			acc[j] = s
		}
		emit(0, inv, true)
	}
	for ; oi < rows; li, oi = li+1, oi+1 {
		cur--
		sub := in[li*cols : li*cols+cols]
		for j, c := range colIdx {
			acc[j] -= sub[c]
		}
		emit(float32(cur), 0, false)
	}
}
