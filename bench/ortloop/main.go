// Command ortloop is the baseline of zoo's inference benchmark: a bare
// onnxruntime loop over pre-loaded input tensors, with nothing of zoo's
// streaming around it. It loads the images of an IDX (or CIFAR-10) file into
// memory as float32, wraps each batch of them in an onnxruntime tensor up
// front, and then times Run over all the batches, reusing one output tensor.
// Session settings are those of zoo infer: intra-op threads as given,
// inter-op threads 1, all graph optimisations.
//
//	go build -o bin/ortloop ./bench/ortloop
//	bin/ortloop -model models/relu-ae-30/model.onnx -data images.idx -batch 256 -threads 2
//
// It prints one JSON object: the images and batches timed, the images/s of
// each repeat and their median. With -calibrate S it instead runs batches for
// about S seconds after a warm-up and prints the rate alone, which bench/run.sh
// uses to size the measured runs.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/zoo-ml/zoo/dataset"
	"github.com/zoo-ml/zoo/infer"
)

// Result is what ortloop prints.
type Result struct {
	Model     string    `json:"model"`
	Data      string    `json:"data"`
	Images    int       `json:"images"`
	Batch     int       `json:"batch"`
	Threads   int       `json:"threads"`
	ORT       string    `json:"onnxruntime"`
	Warmup    int       `json:"warmup_runs"`
	Seconds   []float64 `json:"seconds"`
	PerSecond []float64 `json:"images_per_second"`
	Median    float64   `json:"median_images_per_second"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "ortloop:", err)
		os.Exit(1)
	}
}

func run() error {
	model := flag.String("model", "", "ONNX model with one float32 input and one float32 output")
	data := flag.String("data", "", "IDX (or CIFAR-10) file of inputs")
	batch := flag.Int("batch", 256, "examples per run")
	threads := flag.Int("threads", 0, "onnxruntime intra-op threads (0: onnxruntime's default)")
	images := flag.Int("images", 0, "use the first N examples (0: all); rounded down to whole batches")
	repeats := flag.Int("repeats", 3, "timed passes over the images")
	warmup := flag.Int("warmup", 2, "untimed runs before the first pass")
	calibrate := flag.Float64("calibrate", 0, "print only the rate of runs over about this many seconds")
	flag.Parse()
	if *model == "" || *data == "" {
		flag.Usage()
		return errors.New("need -model and -data")
	}
	if *batch <= 0 || *repeats <= 0 || *warmup < 0 {
		return errors.New("-batch and -repeats must be positive, -warmup not negative")
	}
	if err := infer.Init(""); err != nil { // finds the library as zoo does
		return err
	}

	ins, outs, err := ort.GetInputOutputInfo(*model)
	if err != nil {
		return fmt.Errorf("%s: %w", *model, err)
	}
	if len(ins) != 1 || len(outs) != 1 {
		return fmt.Errorf("%s: %d inputs and %d outputs, want one of each", *model, len(ins), len(outs))
	}
	inShape, outShape := ins[0].Dimensions.Clone(), outs[0].Dimensions.Clone()
	inShape[0], outShape[0] = int64(*batch), int64(*batch)
	inLen := int(inShape.FlattenedSize()) / *batch

	r, err := dataset.OpenImages(*data)
	if err != nil {
		return err
	}
	defer r.Close()
	if r.Header().ItemLen() != inLen {
		return fmt.Errorf("%s: examples of %d values, %s takes %d", *data, r.Header().ItemLen(), *model, inLen)
	}
	n := r.Remaining()
	if *images > 0 {
		n = min(n, *images)
	}
	nb := n / *batch
	if nb == 0 {
		return fmt.Errorf("%s: %d examples, fewer than one batch of %d", *data, n, *batch)
	}
	n = nb * *batch
	x := make([]float32, n*inLen)
	if got, err := r.ReadFloat32(x); err != nil && (!errors.Is(err, io.EOF) || got != n) {
		return fmt.Errorf("%s: %w", *data, err)
	}

	opts, err := ort.NewSessionOptions()
	if err != nil {
		return err
	}
	defer free(opts)
	if *threads > 0 {
		if err := opts.SetIntraOpNumThreads(*threads); err != nil {
			return err
		}
	}
	if err := opts.SetInterOpNumThreads(1); err != nil {
		return err
	}
	if err := opts.SetGraphOptimizationLevel(ort.GraphOptimizationLevelEnableAll); err != nil {
		return err
	}
	sess, err := ort.NewDynamicAdvancedSession(*model, []string{ins[0].Name}, []string{outs[0].Name}, opts)
	if err != nil {
		return fmt.Errorf("%s: %w", *model, err)
	}
	defer free(sess)

	inputs := make([]ort.Value, nb)
	for i := range inputs {
		t, err := ort.NewTensor(inShape, x[i*(*batch)*inLen:(i+1)*(*batch)*inLen])
		if err != nil {
			return err
		}
		defer free(t)
		inputs[i] = t
	}
	out, err := ort.NewEmptyTensor[float32](outShape)
	if err != nil {
		return err
	}
	defer free(out)
	outputs := []ort.Value{out}
	runOne := func(i int) error { return sess.Run([]ort.Value{inputs[i%nb]}, outputs) }

	for i := range *warmup {
		if err := runOne(i); err != nil {
			return err
		}
	}
	if *calibrate > 0 {
		start, runs := time.Now(), 0
		for time.Since(start).Seconds() < *calibrate {
			if err := runOne(runs); err != nil {
				return err
			}
			runs++
		}
		return json.NewEncoder(os.Stdout).Encode(map[string]float64{
			"images_per_second": float64(runs**batch) / time.Since(start).Seconds()})
	}
	res := Result{Model: *model, Data: *data, Images: n, Batch: *batch, Threads: *threads, ORT: ort.GetVersion(), Warmup: *warmup}
	for range *repeats {
		start := time.Now()
		for i := range nb {
			if err := runOne(i); err != nil {
				return err
			}
		}
		s := time.Since(start).Seconds()
		res.Seconds = append(res.Seconds, s)
		res.PerSecond = append(res.PerSecond, float64(n)/s)
	}
	sorted := slices.Sorted(slices.Values(res.PerSecond))
	res.Median = sorted[len(sorted)/2]
	if len(sorted)%2 == 0 {
		res.Median = (sorted[len(sorted)/2-1] + sorted[len(sorted)/2]) / 2
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}

// free releases an onnxruntime object; its error is dropped, as the object
// is gone either way and nothing could be done about it.
func free(d interface{ Destroy() error }) { _ = d.Destroy() }
