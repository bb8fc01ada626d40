package open311

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"

	"github.com/citygrid/citygrid/internal/textcheck"
)

// Form limits: a form without photos is small; photos are checked one by one by package photo.
const (
	maxFormBytes   = 1 << 20
	maxUploadBytes = 60 << 20
	maxPhotoBytes  = 10 << 20
	maxPhotos      = 5
)

// upload is a file part of a multipart request.
type upload struct {
	field string
	data  []byte
}

// form is a request's parameters as Open311 clients send them, read liberally: the query and
// the body (form-encoded or multipart) together; CRLF line ends made LF; empty values dropped,
// so an empty parameter counts as absent; attribute[CODE], attribute[CODE][] and
// attribute[CODE][N] gathered by code, repeated keys as several values.
type form struct {
	values map[string][]string
	attrs  map[string][]string
	files  []upload
}

// get returns the first value of a parameter, "" when absent.
func (f form) get(name string) string {
	if v := f.values[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// list returns the values of a parameter, comma-separated lists split, empty items dropped.
func (f form) list(name string) []string {
	var out []string
	for _, v := range f.values[name] {
		for _, item := range strings.Split(v, ",") {
			if item = strings.TrimSpace(item); item != "" {
				out = append(out, item)
			}
		}
	}
	return out
}

func newForm() form {
	return form{values: map[string][]string{}, attrs: map[string][]string{}}
}

// add files one parameter, normalising its value and sorting attributes out. A name or value
// that is not text (bytes that are not UTF-8, or NUL) refuses the request: nothing is repaired
// silently.
func (f *form) add(key, value string) error {
	if err := textcheck.Values(map[string][]string{key: {value}}); err != nil {
		return err
	}
	// CRLF and lone CR line ends both become LF.
	value = strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(value, "\r\n", "\n"), "\r", "\n"))
	key = strings.TrimSpace(key)
	if value == "" || key == "" {
		return nil
	}
	if code, ok := attributeCode(key); ok {
		f.attrs[code] = append(f.attrs[code], value)
		return nil
	}
	f.values[key] = append(f.values[key], value)
	return nil
}

// attributeCode reads "attribute[CODE]", "attribute[CODE][]" and "attribute[CODE][N]".
func attributeCode(key string) (string, bool) {
	rest, ok := strings.CutPrefix(key, "attribute[")
	if !ok {
		return "", false
	}
	code, tail, ok := strings.Cut(rest, "]")
	if !ok || code == "" {
		return "", false
	}
	switch {
	case tail == "", tail == "[]":
	case strings.HasPrefix(tail, "[") && strings.HasSuffix(tail, "]") && isDigits(tail[1:len(tail)-1]):
	default:
		return "", false
	}
	return code, true
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// parseQuery reads an application/x-www-form-urlencoded string into f. Unlike url.ParseQuery it
// tolerates line ends around pairs (some clients end the body with CRLF) and fails only on a
// broken percent escape, naming it.
func (f *form) parseQuery(s string) error {
	for pair := range strings.SplitSeq(s, "&") {
		pair = strings.Trim(pair, "\r\n\t ")
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			return fmt.Errorf("malformed parameter name %q", short(k))
		}
		value, err := url.QueryUnescape(v)
		if err != nil {
			return fmt.Errorf("malformed value of %s", short(key))
		}
		if err := f.add(key, value); err != nil {
			return err
		}
	}
	return nil
}

// parseRequest reads a request's parameters: the query string always, and for a POST the body,
// form-encoded or multipart with photos.
func parseRequest(w http.ResponseWriter, r *http.Request) (form, error) {
	f := newForm()
	if err := f.parseQuery(r.URL.RawQuery); err != nil {
		return f, err
	}
	if r.Method != http.MethodPost {
		return f, nil
	}
	ct := r.Header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if ct == "" {
		mt, err = "application/x-www-form-urlencoded", nil
	}
	if err != nil {
		return f, fmt.Errorf("unreadable Content-Type %q", short(ct))
	}
	switch mt {
	case "application/x-www-form-urlencoded":
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxFormBytes))
		if err != nil {
			return f, bodyError(err, maxFormBytes)
		}
		return f, f.parseQuery(string(body))
	case "multipart/form-data":
		if params["boundary"] == "" {
			return f, errors.New("multipart/form-data without a boundary")
		}
		return f, f.parseMultipart(multipart.NewReader(http.MaxBytesReader(w, r.Body, maxUploadBytes), params["boundary"]))
	}
	return f, fmt.Errorf("send the parameters as application/x-www-form-urlencoded or multipart/form-data, not %s", mt)
}

// parseMultipart reads text fields as parameters and every part with a file name as a photo.
func (f *form) parseMultipart(mr *multipart.Reader) error {
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return bodyError(err, maxUploadBytes)
		}
		if part.FileName() != "" {
			if len(f.files) == maxPhotos {
				return fmt.Errorf("at most %d photos per request", maxPhotos)
			}
			data, err := io.ReadAll(io.LimitReader(part, maxPhotoBytes+1))
			if err != nil {
				return bodyError(err, maxUploadBytes)
			}
			if len(data) > maxPhotoBytes {
				return fmt.Errorf("photo %s is larger than %d MB", short(part.FileName()), maxPhotoBytes>>20)
			}
			if len(data) > 0 {
				f.files = append(f.files, upload{field: part.FormName(), data: data})
			}
			continue
		}
		value, err := io.ReadAll(io.LimitReader(part, maxFormBytes+1))
		if err != nil {
			return bodyError(err, maxUploadBytes)
		}
		if len(value) > maxFormBytes {
			return fmt.Errorf("field %s is too long", short(part.FormName()))
		}
		if err := f.add(part.FormName(), string(value)); err != nil {
			return err
		}
	}
}

func bodyError(err error, limit int64) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return fmt.Errorf("the request body is larger than %d bytes", limit)
	}
	return fmt.Errorf("unreadable request body: %v", err)
}

func short(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}
