package validate

import (
	"io"
	"unicode/utf8"
)

// JSONTextReader passes a JSON document through, except that every byte that is not
// part of valid UTF-8 becomes the escape \uffff. encoding/json would otherwise turn
// such bytes into U+FFFD without a word; this way Text sees U+FFFF where the bytes
// were and refuses the field by name (outside a string the escape is a syntax error).
func JSONTextReader(r io.Reader) io.Reader { return &jsonTextReader{src: r} }

type jsonTextReader struct {
	src io.Reader
	in  []byte // read, not yet checked (an incomplete sequence at the end)
	out []byte // checked, not yet returned
	err error
}

const invalidEscape = `\uffff`

func (j *jsonTextReader) Read(p []byte) (int, error) {
	for len(j.out) == 0 {
		if j.err != nil {
			if len(j.in) > 0 { // a truncated sequence at the very end
				j.convert(true)
				continue
			}
			return 0, j.err
		}
		buf := make([]byte, 32<<10)
		n, err := j.src.Read(buf)
		j.in = append(j.in, buf[:n]...)
		j.err = err
		j.convert(err != nil)
	}
	n := copy(p, j.out)
	j.out = j.out[n:]
	return n, nil
}

// convert moves checked bytes from in to out; at the end, incomplete sequences are
// invalid too.
func (j *jsonTextReader) convert(final bool) {
	in, start, i := j.in, 0, 0
	for i < len(in) {
		if in[i] < utf8.RuneSelf {
			i++
			continue
		}
		if !final && !utf8.FullRune(in[i:]) {
			break
		}
		r, size := utf8.DecodeRune(in[i:])
		if r == utf8.RuneError && size == 1 {
			j.out = append(j.out, in[start:i]...)
			j.out = append(j.out, invalidEscape...)
			i++
			start = i
			continue
		}
		i += size
	}
	j.out = append(j.out, in[start:i]...)
	j.in = append([]byte(nil), in[i:]...)
}
