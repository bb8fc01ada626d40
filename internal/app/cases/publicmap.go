package cases

import (
	"context"
	"time"

	"github.com/citygrid/citygrid/internal/grid"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/workflow"
)

// PublicPoint is a case on the public map: what, where and how far along, and nothing about
// people. A sensitive category's place is blurred to its grid.
type PublicPoint struct {
	Ticket       string          `json:"ticket"`
	Status       workflow.Status `json:"status"`
	CategoryName string          `json:"category_name"`
	Lon          float64         `json:"lon"`
	Lat          float64         `json:"lat"`
	Blurred      bool            `json:"blurred,omitempty"`
	CreatedAt    time.Time       `json:"created_at"`
}

// PublicMap returns up to limit of the newest cases reported within the window, of public
// categories only, for anyone to see.
func (a *Service) PublicMap(ctx context.Context, window time.Duration, limit int) ([]PublicPoint, error) {
	recs, _, err := a.DB.ListCases(ctx, store.CaseFilter{From: a.Now().Add(-window), Limit: limit, Now: a.Now()})
	if err != nil {
		return nil, err
	}
	cats, err := a.DB.Categories(ctx, true)
	if err != nil {
		return nil, err
	}
	public := map[string]workflow.Category{}
	for _, c := range cats {
		public[string(c.Kind)+":"+c.Code] = c
	}
	blurred := map[string][2]float64{} // grid → the point shown for it
	out := []PublicPoint{}
	for _, r := range recs {
		cat, ok := public[string(r.State.Kind)+":"+r.State.Category]
		if !ok || r.State.Status == workflow.Rejected {
			continue
		}
		p := PublicPoint{Ticket: r.Ticket, Status: r.State.Status, CategoryName: cat.Name, Lon: r.Lon, Lat: r.Lat, CreatedAt: r.CreatedAt}
		if cat.Sensitive {
			g := r.State.Grid()
			pt, seen := blurred[g]
			if !seen {
				reg, err := a.DB.Region(ctx, g)
				if err != nil {
					return nil, err
				}
				q, ok := grid.PointInside(reg.Geometry)
				if !ok {
					continue // no place to show that does not give the point away
				}
				pt = [2]float64{q[0], q[1]}
				blurred[g] = pt
			}
			p.Lon, p.Lat, p.Blurred = pt[0], pt[1], true
		}
		out = append(out, p)
	}
	return out, nil
}
