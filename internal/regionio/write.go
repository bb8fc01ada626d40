package regionio

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"time"

	"github.com/citygrid/citygrid/internal/grid"
)

// WriteGeoJSON writes regions as a FeatureCollection (properties code, name, level,
// parent_code (omitted for roots), area_class; geometry null when the region has none),
// streaming feature by feature. It stops at and returns the first error the sequence yields,
// leaving the output incomplete.
func WriteGeoJSON(w io.Writer, regions iter.Seq2[grid.Region, error]) error {
	bw := bufio.NewWriter(w)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // names like "A&B社区" stay readable

	if _, err := bw.WriteString(`{"type":"FeatureCollection","features":[`); err != nil {
		return err
	}
	sep := "\n"
	for r, err := range regions {
		if err != nil {
			return err
		}
		buf.Reset()
		if err := encodeFeature(enc, r); err != nil {
			return err
		}
		if _, err := bw.WriteString(sep); err != nil {
			return err
		}
		if _, err := bw.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))); err != nil {
			return err
		}
		sep = ",\n"
	}
	if _, err := bw.WriteString("\n]}\n"); err != nil {
		return err
	}
	return bw.Flush()
}

// feature is the GeoJSON form of a region; the field order is the order written.
type feature struct {
	Type       string          `json:"type"`
	Properties properties      `json:"properties"`
	Geometry   json.RawMessage `json:"geometry"`
}

type properties struct {
	Code       string         `json:"code"`
	Name       string         `json:"name"`
	Level      grid.Level     `json:"level"`
	ParentCode string         `json:"parent_code,omitempty"`
	AreaClass  grid.AreaClass `json:"area_class"`
	ValidTo    string         `json:"valid_to,omitempty"`
}

func encodeFeature(enc *json.Encoder, r grid.Region) error {
	geom := json.RawMessage("null")
	if r.Geometry != nil {
		b, err := grid.EncodeGeometry(r.Geometry)
		if err != nil {
			return fmt.Errorf("write region %s: %w", r.Code, err)
		}
		geom = b
	}
	return enc.Encode(feature{
		Type: "Feature",
		Properties: properties{
			Code: r.Code, Name: r.Name, Level: r.Level, ParentCode: r.ParentCode, AreaClass: r.AreaClass,
			ValidTo: validTo(r.ValidTo),
		},
		Geometry: geom,
	})
}

func validTo(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}
