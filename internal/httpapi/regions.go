package httpapi

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/crs"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/grid"
)

// locationResponse answers GET /api/v1/locate.
type locationResponse struct {
	Region grid.Ref   `json:"region"`
	Path   []grid.Ref `json:"path"`
	Grid   *grid.Ref  `json:"grid"` // the unit grid, when the point lies in one
	WGS84  [2]float64 `json:"wgs84"`
}

func (s *Handler) locate(w http.ResponseWriter, r *http.Request) {
	lon, lat, system, err := pointParams(r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	loc, err := s.app.Regions.Locate(r.Context(), lon, lat, system)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := locationResponse{Region: loc.Region, Path: loc.Path, WGS84: loc.WGS84}
	if loc.Region.Level == grid.Grid {
		out.Grid = &loc.Region
	}
	writeJSON(w, http.StatusOK, out)
}

// pointParams reads lon, lat and crs from a query string.
func pointParams(q url.Values) (lon, lat float64, system crs.System, err error) {
	if lon, err = floatParam(q.Get("lon"), "lon"); err != nil {
		return
	}
	if lat, err = floatParam(q.Get("lat"), "lat"); err != nil {
		return
	}
	if system, err = crs.Parse(q.Get("crs")); err != nil {
		err = errs.E(errs.Invalid, "%v", err)
	}
	return
}

func floatParam(v, name string) (float64, error) {
	if v == "" {
		return 0, errs.Coded(errs.BadRequest, "missing_parameter", "%s is required", name)
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, errs.Coded(errs.BadRequest, "wrong_type", "%s must be a number, not %q", name, v)
	}
	return f, nil
}

// regionJSON is a region as the API shows it.
type regionJSON struct {
	Code       string          `json:"code"`
	Name       string          `json:"name"`
	Level      grid.Level      `json:"level"`
	ParentCode string          `json:"parent_code,omitempty"`
	AreaClass  grid.AreaClass  `json:"area_class"`
	Retired    bool            `json:"retired,omitempty"`
	Geometry   json.RawMessage `json:"geometry,omitempty"`
}

// regionDetail is one region with where it sits in the tree.
type regionDetail struct {
	regionJSON
	Path     []grid.Ref `json:"path"`
	Children []grid.Ref `json:"children"`
}

func toRegionJSON(r grid.Region) (regionJSON, error) {
	out := regionJSON{Code: r.Code, Name: r.Name, Level: r.Level, ParentCode: r.ParentCode, AreaClass: r.AreaClass, Retired: !r.ValidTo.IsZero()}
	if r.Geometry != nil {
		g, err := grid.EncodeGeometry(r.Geometry)
		if err != nil {
			return regionJSON{}, err
		}
		out.Geometry = g
	}
	return out, nil
}

// wantGeometry reads ?geometry=1 (or true).
func wantGeometry(r *http.Request) bool {
	v, _ := strconv.ParseBool(r.URL.Query().Get("geometry"))
	return v
}

func (s *Handler) getRegion(w http.ResponseWriter, r *http.Request) {
	v, err := s.app.Regions.Region(r.Context(), r.PathValue("code"), wantGeometry(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rj, err := toRegionJSON(v.Region)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := regionDetail{regionJSON: rj, Path: v.Path, Children: v.Children}
	if out.Children == nil {
		out.Children = []grid.Ref{}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Handler) listRegions(w http.ResponseWriter, r *http.Request) {
	regions, err := s.app.Regions.RegionChildren(r.Context(), r.URL.Query().Get("parent"), wantGeometry(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]regionJSON, len(regions))
	for i, reg := range regions {
		if out[i], err = toRegionJSON(reg); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Handler) listMembers(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	members, err := s.app.Regions.GridMembers(r.Context(), p, r.PathValue("code"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, members)
}

type memberRequest struct {
	Role string `json:"role"`
}

func (s *Handler) putMember(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	var in memberRequest
	if err := s.decode(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	code, username := r.PathValue("code"), r.PathValue("username")
	if err := s.app.Regions.PutGridMember(r.Context(), p, code, username, in.Role); err != nil {
		s.fail(w, r, err)
		return
	}
	s.listMembers(w, r, p)
}

func (s *Handler) deleteMember(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	if err := s.app.Regions.RemoveGridMember(r.Context(), p, r.PathValue("code"), r.PathValue("username")); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
