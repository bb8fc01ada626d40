// Package regionio reads regions from the files cities have (a GeoJSON FeatureCollection,
// the national statistical division CSVs) and writes them back out as GeoJSON.
package regionio

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/textcheck"
)

// ReadGeoJSON streams a GeoJSON FeatureCollection (json.Decoder token by token: never the whole
// file in memory at once; each feature is decoded on its own). Each feature's properties:
// code (string, or a JSON number which is taken as its decimal digits), name, level
// (city|district|subdistrict|community|grid), parent_code (optional for a city), valid_to
// (optional YYYY-MM-DD: the region is retired from that day), area_class
// (optional A|B|C, default "B"). Geometry: Polygon or MultiPolygon, converted with convert
// (e.g. from GCJ-02 to WGS-84; nil = unchanged) point by point. A feature with null geometry is
// allowed (region without shape). Where = "feature N" (0-based index in the features array).
// Problems with a single feature (missing code/name/level, unknown level, bad area class,
// unreadable or unsupported geometry, wrong property types) are returned as grid.Problem and
// reading continues with the next feature; an error (second return) is returned only when the
// file as a whole is unreadable: not JSON, not a FeatureCollection, no features array,
// truncated — with the byte offset in the message. Unknown top-level members (e.g. "crs",
// "bbox") are skipped, but "UTF8Encoding": true (ECharts' encoded coordinates) is an error
// saying that encoding is not supported.
func ReadGeoJSON(r io.Reader, convert func(lon, lat float64) (float64, float64)) ([]grid.Incoming, []grid.Problem, error) {
	fr := &featureReader{dec: json.NewDecoder(r), convert: convert}
	if err := fr.readCollection(); err != nil {
		return nil, nil, fmt.Errorf("read GeoJSON: %w", err)
	}
	return fr.regions, fr.problems, nil
}

// featureReader walks a FeatureCollection, collecting regions and per-feature problems.
type featureReader struct {
	dec      *json.Decoder
	convert  func(lon, lat float64) (float64, float64)
	regions  []grid.Incoming
	problems []grid.Problem
}

// readCollection reads the top-level object member by member. Members may come in any order
// (the type may follow the features), so the type is checked when it is seen and once more at
// the end.
func (fr *featureReader) readCollection() error {
	tok, err := fr.token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("at byte 0: the file is empty")
		}
		return err
	}
	if tok != json.Delim('{') {
		return fr.errorf("the file is a JSON %s, not a GeoJSON FeatureCollection object", describe(tok))
	}
	var typ string
	seenFeatures := false
	for fr.dec.More() {
		tok, err := fr.token()
		if err != nil {
			return err
		}
		key, _ := tok.(string) // object keys are always strings
		switch key {
		case "type":
			if typ, err = fr.stringMember("type"); err != nil {
				return err
			}
			if typ != "FeatureCollection" {
				return fr.errorf("the file is a GeoJSON %q, not a FeatureCollection", typ)
			}
		case "features":
			if seenFeatures {
				return fr.errorf("the features member appears twice")
			}
			seenFeatures = true
			if err := fr.readFeatures(); err != nil {
				return err
			}
		case "UTF8Encoding":
			encoded, err := fr.boolMember()
			if err != nil {
				return err
			}
			if encoded {
				return fr.errorf(`"UTF8Encoding": true (ECharts' encoded coordinates) is not supported; decode the file to plain GeoJSON first`)
			}
		default:
			if err := fr.skipValue(); err != nil {
				return err
			}
		}
	}
	if _, err := fr.token(); err != nil { // the closing brace
		return err
	}
	switch {
	case typ == "":
		return fr.errorf(`the object has no "type": "FeatureCollection" member`)
	case !seenFeatures:
		return fr.errorf("the FeatureCollection has no features member")
	}
	if _, err := fr.dec.Token(); !errors.Is(err, io.EOF) {
		return fr.errorf("unexpected data after the FeatureCollection")
	}
	return nil
}

// readFeatures reads the features array, one feature value at a time.
func (fr *featureReader) readFeatures() error {
	tok, err := fr.token()
	if err != nil {
		return err
	}
	if tok != json.Delim('[') {
		return fr.errorf("features is a JSON %s, not an array", describe(tok))
	}
	for i := 0; fr.dec.More(); i++ {
		var raw json.RawMessage
		if err := fr.dec.Decode(&raw); err != nil {
			// A failed Decode leaves the offset at the start of the feature (past the comma).
			return fmt.Errorf("at byte %d: feature %d: %w", fr.dec.InputOffset(), i, truncated(err))
		}
		fr.addFeature(i, raw)
	}
	_, err = fr.token() // the closing bracket
	return err
}

// addFeature decodes one feature and records either its region or its problems.
func (fr *featureReader) addFeature(i int, raw json.RawMessage) {
	where := fmt.Sprintf("feature %d", i)
	f, code, reasons := fr.decodeFeature(raw)
	if len(reasons) > 0 {
		for _, reason := range reasons {
			fr.problems = append(fr.problems, grid.Problem{Where: where, Code: code, Reason: reason})
		}
		return
	}
	fr.regions = append(fr.regions, grid.Incoming{Region: f, Where: where})
}

// decodeFeature turns one feature into a region. It returns the code when it could be read,
// so that problems can name it, and every reason the feature cannot be used.
func (fr *featureReader) decodeFeature(raw json.RawMessage) (grid.Region, string, []string) {
	var members map[string]json.RawMessage
	if !isObject(raw) || json.Unmarshal(raw, &members) != nil {
		return grid.Region{}, "", []string{"the feature is a JSON " + kindOf(raw) + ", not an object"}
	}
	var reasons []string
	fail := func(format string, args ...any) { reasons = append(reasons, fmt.Sprintf(format, args...)) }

	if t, ok := members["type"]; !ok {
		fail(`the feature has no "type": "Feature" member`)
	} else if s, err := stringValue(t); err != nil || s != "Feature" {
		fail(`the feature's type is %s, not "Feature"`, t)
	}
	props, ok := members["properties"]
	if !ok || isNull(props) {
		fail("the feature has no properties (code, name, level)")
		props = json.RawMessage("{}")
	}
	reg, code, propReasons := decodeProperties(props)
	reasons = append(reasons, propReasons...)

	if g, ok := members["geometry"]; ok && !isNull(g) {
		geom, err := fr.decodeGeometry(g)
		if err != nil {
			fail("%v", err)
		}
		reg.Geometry = geom
	}
	return reg, code, reasons
}

// decodeProperties reads the region's fields from a feature's properties object.
func decodeProperties(raw json.RawMessage) (grid.Region, string, []string) {
	var props map[string]json.RawMessage
	if !isObject(raw) || json.Unmarshal(raw, &props) != nil {
		return grid.Region{}, "", []string{"properties is a JSON " + kindOf(raw) + ", not an object"}
	}
	var reasons []string
	fail := func(format string, args ...any) { reasons = append(reasons, fmt.Sprintf(format, args...)) }

	var reg grid.Region
	code, err := codeProperty(props, "code")
	switch {
	case err != nil:
		fail("%v", err)
	case code == "":
		fail("code is missing")
	}
	reg.Code = code

	if reg.Name, err = stringProperty(props, "name"); err != nil {
		fail("%v", err)
	} else if reg.Name == "" {
		fail("name is missing")
	}

	if level, err := stringProperty(props, "level"); err != nil {
		fail("%v", err)
	} else if level == "" {
		fail("level is missing")
	} else if reg.Level, err = grid.ParseLevel(level); err != nil {
		fail("level %q is not one of city, district, subdistrict, community, grid", level)
	}

	if reg.ParentCode, err = codeProperty(props, "parent_code"); err != nil {
		fail("%v", err)
	} else if reg.ParentCode == "" && reg.Level != "" && reg.Level != grid.City {
		fail("parent_code is missing (only a city may have none)")
	}

	if class, err := stringProperty(props, "area_class"); err != nil {
		fail("%v", err)
	} else {
		switch c := grid.AreaClass(class); c {
		case "":
			reg.AreaClass = grid.AreaGeneral
		case grid.AreaCore, grid.AreaGeneral, grid.AreaFringe:
			reg.AreaClass = c
		default:
			fail("area_class %q is not A, B or C", class)
		}
	}

	// valid_to (YYYY-MM-DD) retires a region: codes are never reused, so a retired region
	// keeps its code and stops being located.
	if v, err := stringProperty(props, "valid_to"); err != nil {
		fail("%v", err)
	} else if v != "" {
		if reg.ValidTo, err = time.Parse(time.DateOnly, v); err != nil {
			fail("valid_to %q is not a date (YYYY-MM-DD)", v)
		}
	}
	return reg, code, reasons
}

// decodeGeometry reads a Polygon or MultiPolygon and converts it point by point.
func (fr *featureReader) decodeGeometry(raw json.RawMessage) (orb.Geometry, error) {
	g, err := grid.DecodeGeometry(raw)
	if err != nil {
		return nil, err
	}
	switch g := g.(type) {
	case orb.Polygon:
		fr.convertPolygon(g)
	case orb.MultiPolygon:
		for _, p := range g {
			fr.convertPolygon(p)
		}
	default:
		return nil, fmt.Errorf("geometry type %s is not supported for a region (want Polygon or MultiPolygon)", g.GeoJSONType())
	}
	return g, nil
}

// convertPolygon applies the coordinate conversion in place.
func (fr *featureReader) convertPolygon(p orb.Polygon) {
	if fr.convert == nil {
		return
	}
	for _, ring := range p {
		for i, pt := range ring {
			ring[i][0], ring[i][1] = fr.convert(pt[0], pt[1])
		}
	}
}

// stringProperty returns a string property; absent and null are "", any other type an error.
func stringProperty(props map[string]json.RawMessage, key string) (string, error) {
	raw, ok := props[key]
	if !ok || isNull(raw) {
		return "", nil
	}
	s, err := stringValue(raw)
	if err != nil {
		return "", fmt.Errorf("%s must be a string, not a JSON %s", key, kindOf(raw))
	}
	if textcheck.JSON(raw) != nil {
		// Decoding would have repaired it into a name nobody wrote.
		return "", fmt.Errorf("%s holds bytes that are not text (NUL, or not UTF-8)", key)
	}
	return strings.TrimSpace(s), nil
}

// codeProperty is stringProperty that also takes a whole JSON number, as its decimal digits:
// files exported from spreadsheets often carry codes as numbers.
func codeProperty(props map[string]json.RawMessage, key string) (string, error) {
	raw, ok := props[key]
	if ok && len(raw) > 0 && (raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9') {
		if !isDigits(string(raw)) {
			return "", fmt.Errorf("%s %s must be a string or a whole number", key, raw)
		}
		return string(raw), nil
	}
	s, err := stringProperty(props, key)
	if err != nil {
		return "", fmt.Errorf("%s must be a string or a whole number, not a JSON %s", key, kindOf(raw))
	}
	return s, nil
}

func stringValue(raw json.RawMessage) (string, error) {
	var s string
	if len(raw) == 0 || raw[0] != '"' {
		return "", errors.New("not a string")
	}
	err := json.Unmarshal(raw, &s)
	return s, err
}

// token reads the next token, turning a decoder error into a file-level error with its offset.
func (fr *featureReader) token() (json.Token, error) {
	tok, err := fr.dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) && fr.dec.InputOffset() == 0 {
			return nil, io.EOF
		}
		return nil, fmt.Errorf("at byte %d: %w", fr.dec.InputOffset(), truncated(err))
	}
	return tok, nil
}

// stringMember reads a top-level member's value, which must be a string.
func (fr *featureReader) stringMember(key string) (string, error) {
	tok, err := fr.token()
	if err != nil {
		return "", err
	}
	s, ok := tok.(string)
	if !ok {
		return "", fr.errorf("%s is a JSON %s, not a string", key, describe(tok))
	}
	return s, nil
}

// boolMember reads a top-level member's value and reports whether it is true.
func (fr *featureReader) boolMember() (bool, error) {
	tok, err := fr.token()
	if err != nil {
		return false, err
	}
	if _, ok := tok.(json.Delim); ok {
		return false, fr.skipRest(1)
	}
	return tok == true, nil
}

// skipValue reads past one value token by token, so that large unknown members cost no memory.
func (fr *featureReader) skipValue() error {
	tok, err := fr.token()
	if err != nil {
		return err
	}
	if _, ok := tok.(json.Delim); ok {
		return fr.skipRest(1)
	}
	return nil
}

// skipRest reads tokens until depth open arrays or objects have been closed.
func (fr *featureReader) skipRest(depth int) error {
	for depth > 0 {
		tok, err := fr.token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
	return nil
}

func (fr *featureReader) errorf(format string, args ...any) error {
	return fmt.Errorf("at byte %d: %s", fr.dec.InputOffset(), fmt.Sprintf(format, args...))
}

// truncated names the end of input for what it is: a cut-off file.
func truncated(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("the file is truncated: %w", io.ErrUnexpectedEOF)
	}
	return err
}

// describe names a token's JSON kind for messages.
func describe(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			return "array"
		}
		return "object"
	case string:
		return "string"
	case bool:
		return "boolean"
	case nil:
		return "null"
	}
	return "number"
}

// kindOf names a raw value's JSON kind for messages.
func kindOf(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

func isObject(raw json.RawMessage) bool { return kindOf(raw) == "object" }

func isNull(raw json.RawMessage) bool { return kindOf(raw) == "null" }

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
