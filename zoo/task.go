package zoo

import (
	"fmt"
	"strings"
)

// Task says what a model, or one of its parts, computes.
type Task string

// Tasks. A registered Model is Reconstruct or Classify; Encode and Decode
// are what the two parts of an autoencoder do on their own.
const (
	// Reconstruct models (autoencoders) output an image shaped like the input.
	Reconstruct Task = "reconstruct"
	// Encode is the encoder of an autoencoder: images in, codes out.
	Encode Task = "encode"
	// Decode is the decoder of an autoencoder: codes in, images out.
	Decode Task = "decode"
	// Classify models output one logit per class.
	Classify Task = "classify"
)

// Tasks lists every task in the order help texts give them.
func Tasks() []Task { return []Task{Reconstruct, Encode, Decode, Classify} }

// ParseTask returns the task named s.
func ParseTask(s string) (Task, error) {
	for _, t := range Tasks() {
		if string(t) == s {
			return t, nil
		}
	}
	return "", fmt.Errorf("unknown task %q (want %s)", s, joinTasks(Tasks()))
}

// File returns the file of an export folder that performs the task:
// ModelFile for Reconstruct and Classify, the encoder's or decoder's part
// file for Encode and Decode.
func (t Task) File() string {
	switch t {
	case Encode:
		return PartFile(PartEncoder)
	case Decode:
		return PartFile(PartDecoder)
	}
	return ModelFile
}

// Part returns the name of the part of an autoencoder that performs the
// task: PartEncoder, PartDecoder, or WholeModel for the others.
func (t Task) Part() string {
	switch t {
	case Encode:
		return PartEncoder
	case Decode:
		return PartDecoder
	}
	return WholeModel
}

// Verb is the past participle a report prints for the task, such as
// "reconstructed".
func (t Task) Verb() string {
	switch t {
	case Reconstruct:
		return "reconstructed"
	case Encode:
		return "encoded"
	case Decode:
		return "decoded"
	case Classify:
		return "classified"
	}
	return string(t)
}

func joinTasks(ts []Task) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = string(t)
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}
