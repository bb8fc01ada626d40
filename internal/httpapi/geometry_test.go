package httpapi_test

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"testing"

	"github.com/paulmach/orb"

	"github.com/citygrid/citygrid/internal/demo"
	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
)

// geoJSON writes a line or area as a GeoJSON object, coordinates rounded to 9 decimals (a
// tenth of a millimetre) so that large geometries stay under the body limit.
func geoJSON(g orb.Geometry) json.RawMessage {
	round := func(p orb.Point) [2]float64 {
		return [2]float64{math.Round(p[0]*1e9) / 1e9, math.Round(p[1]*1e9) / 1e9}
	}
	var coords any
	switch g := g.(type) {
	case orb.LineString:
		line := make([][2]float64, len(g))
		for i, p := range g {
			line[i] = round(p)
		}
		coords = line
	case orb.Polygon:
		rings := make([][][2]float64, len(g))
		for i, r := range g {
			for _, p := range r {
				rings[i] = append(rings[i], round(p))
			}
		}
		coords = rings
	}
	b, _ := json.Marshal(map[string]any{"type": g.GeoJSONType(), "coordinates": coords})
	return b
}

// TestDrawnGeometryIsBounded: a report's line or area has at most 2,000 points, refused beyond
// with the limit in the refusal's params, and an area that crosses itself is refused as such;
// the largest allowed area is taken. Nothing is stored for a refusal, on either engine.
func TestDrawnGeometryIsBounded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		anon := ts.anonymous()
		p := casePoint(t, anon, demo.GridWorkerGrid, 0.0006)
		day := fileCase(t, anon, reportAt(p, nil)).Ticket[:8]
		sw := orb.Point{p[0] - 0.0004, p[1] - 0.0004}
		comb := func(n int) orb.Ring { return grid.Comb(sw[0], sw[1], 0.0008, n) }
		longLine := make(orb.LineString, grid.MaxReportVertices+1)
		for i := range longLine {
			longLine[i] = orb.Point{sw[0] + 0.0008*float64(i)/float64(len(longLine)), sw[1] + 0.0001*float64(i%2)}
		}
		bowTie := orb.Polygon{{sw, {sw[0] + 0.0008, sw[1] + 0.0008}, {sw[0] + 0.0008, sw[1]}, {sw[0], sw[1] + 0.0008}, sw}}

		for _, tc := range []struct {
			name   string
			g      orb.Geometry
			reason string
			params map[string]any
		}{
			{"an area of 2,003 points", orb.Polygon{comb(grid.MaxReportVertices + 4)}, "too_many_vertices", map[string]any{"max": float64(grid.MaxReportVertices)}},
			{"the 24,003-point area that once took 5 s", orb.Polygon{comb(24_003)}, "too_many_vertices", map[string]any{"max": float64(grid.MaxReportVertices), "count": float64(24_003)}},
			{"a line of 2,001 points", longLine, "too_many_vertices", map[string]any{"max": float64(grid.MaxReportVertices), "count": float64(2_001)}},
			{"a bow tie", bowTie, "geometry_crosses_itself", map[string]any{"problem": "crosses_itself"}},
		} {
			t.Run(tc.name+" is refused and nothing is stored", func(t *testing.T) {
				body := reportAt(p, map[string]any{"lon": nil, "lat": nil, "geometry": geoJSON(tc.g)})
				before := ts.caseWorld(t, day)
				r := anon.do(t, "POST", "/api/v1/cases", body)
				wantError(t, r, http.StatusUnprocessableEntity, "invalid")
				var got struct {
					Error struct {
						Reason string         `json:"reason"`
						Params map[string]any `json:"params"`
					} `json:"error"`
				}
				if err := json.Unmarshal(r.Body, &got); err != nil {
					t.Fatal(err)
				}
				if got.Error.Reason != tc.reason {
					t.Errorf("reason: got %q, want %q (%s)", got.Error.Reason, tc.reason, r.Body)
				}
				for k, v := range tc.params {
					if got.Error.Params[k] != v {
						t.Errorf("params[%s]: got %v, want %v", k, got.Error.Params[k], v)
					}
				}
				ts.wantSameWorld(t, day, before)
			})
		}

		t.Run("the largest allowed area is taken", func(t *testing.T) {
			area := orb.Polygon{comb(grid.MaxReportVertices)}
			if n := grid.Vertices(area); n > grid.MaxReportVertices || n < grid.MaxReportVertices-4 {
				t.Fatalf("the comb has %d points, want just under %d", n, grid.MaxReportVertices)
			}
			got := fileCase(t, anon, reportAt(p, map[string]any{"lon": nil, "lat": nil, "geometry": geoJSON(area)}))
			if got.Grid.Code != demo.GridWorkerGrid {
				t.Errorf("grid %s, want %s", got.Grid.Code, demo.GridWorkerGrid)
			}
		})
	})
}

// TestLineAndAreaReportsAreReturned: a case reported as a line or an area carries it, as
// GeoJSON in WGS-84, in the intake's answer and in the case as staff read it; a point report
// has none.
func TestLineAndAreaReportsAreReturned(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		anon := ts.anonymous()
		operator := ts.signedIn(t, "operator")
		p := casePoint(t, anon, demo.GridWorkerGrid, 0.0006)
		alley := orb.LineString{{p[0] - 0.0003, p[1]}, {p[0], p[1] + 0.0001}, {p[0] + 0.0003, p[1]}}
		market := orb.Polygon{{{p[0] - 0.0002, p[1] - 0.0002}, {p[0] + 0.0002, p[1] - 0.0002}, {p[0] + 0.0002, p[1] + 0.0002}, {p[0] - 0.0002, p[1] + 0.0002}, {p[0] - 0.0002, p[1] - 0.0002}}}
		type shaped struct {
			ID       int64           `json:"id"`
			Geometry json.RawMessage `json:"geometry"`
		}
		for _, tc := range []struct {
			name string
			g    orb.Geometry // nil: a point
		}{
			{"a stretch of alley", alley},
			{"a market's outline", market},
			{"a point", nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				body := reportAt(p, nil)
				if tc.g != nil {
					body = reportAt(p, map[string]any{"lon": nil, "lat": nil, "geometry": geoJSON(tc.g)})
				}
				r := anon.do(t, "POST", "/api/v1/cases", body)
				wantStatus(t, r, http.StatusCreated)
				var filed shaped
				r.decode(t, &filed)
				r = operator.do(t, "GET", fmt.Sprintf("/api/v1/cases/%d", filed.ID), nil)
				wantStatus(t, r, http.StatusOK)
				var read shaped
				r.decode(t, &read)
				for who, got := range map[string]json.RawMessage{"the intake's answer": filed.Geometry, "the case": read.Geometry} {
					if tc.g == nil {
						if got != nil {
							t.Errorf("%s: a point report has geometry %s", who, got)
						}
						continue
					}
					g, err := grid.DecodeGeometry(got)
					want, _ := grid.DecodeGeometry(geoJSON(tc.g)) // as sent
					if err != nil || !orb.Equal(g, want) {
						t.Errorf("%s: geometry %s (%v), want %v", who, got, err, want)
					}
				}
			})
		}
	})
}
