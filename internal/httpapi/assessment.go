package httpapi

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/citygrid/citygrid/internal/textcheck"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/assessment"
	"github.com/citygrid/citygrid/internal/assess"
	"github.com/citygrid/citygrid/internal/errs"
)

// The assessment of evaluation sites (测评点位): sites, rounds, field scoring, re-inspection and
// results. Every handler decodes, calls one use case of app.Assessment and encodes.

// pathID reads a positive integer path value; anything else is not there.
func pathID(r *http.Request, name, what string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.Refuse(errs.NotFound, what+"_not_found", nil, "no %s %q", what, r.PathValue(name))
	}
	return id, nil
}

// queryFloat reads an optional number from the query.
func queryFloat(r *http.Request, name string) (*float64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return nil, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f != f {
		return nil, errs.Refuse(errs.Invalid, "bad_value", errs.Params{"field": name, "value": v}, "%s must be a number, not %q", name, v)
	}
	return &f, nil
}

func (s *Handler) listSites(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	q := r.URL.Query()
	in := assessment.SiteQuery{SiteType: q.Get("type"), Region: q.Get("region")}
	for _, f := range []struct {
		name string
		dst  *int64
	}{{"after", &in.AfterID}, {"limit", nil}} {
		v := q.Get(f.name)
		if v == "" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			s.fail(w, r, errs.Refuse(errs.Invalid, "bad_value", errs.Params{"field": f.name, "value": v}, "%s must be a whole number, not %q", f.name, v))
			return
		}
		if f.dst != nil {
			*f.dst = n
		} else {
			in.Limit = int(min(n, 1000))
		}
	}
	sites, err := s.app.Assessment.Sites(r.Context(), p, in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sites)
}

// siteRequest is a site as POST /api/v1/sites takes it.
type siteRequest struct {
	Code       string   `json:"code"`
	SiteType   string   `json:"site_type"`
	Name       string   `json:"name"`
	Address    string   `json:"address"`
	Lon        *float64 `json:"lon"`
	Lat        *float64 `json:"lat"`
	CRS        string   `json:"crs"`
	Department string   `json:"department"`
	Contact    string   `json:"contact"`
}

func (s *Handler) addSite(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	var in siteRequest
	if err := s.decode(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	if in.Lon == nil || in.Lat == nil {
		s.fail(w, r, errs.Required("lon", "lon and lat are required: where the site is"))
		return
	}
	rep, err := s.app.Assessment.AddSites(r.Context(), p, []assess.SiteRow{{Code: in.Code, SiteType: in.SiteType, Name: in.Name, Address: in.Address,
		Lon: *in.Lon, Lat: *in.Lat, CRS: in.CRS, Department: in.Department, Contact: in.Contact}})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	status := http.StatusOK
	if rep.New == 1 {
		status = http.StatusCreated
	}
	writeJSON(w, status, rep.Sites[0])
}

func (s *Handler) listStandards(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	out, err := s.app.Assessment.Standards(r.Context(), p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Handler) listRounds(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	out, err := s.app.Assessment.Rounds(r.Context(), p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Handler) createRound(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	var in assessment.NewRound
	if err := s.decode(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.app.Assessment.CreateRound(r.Context(), p, in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, v)
}

func (s *Handler) getRound(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	id, err := pathID(r, "id", "round")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.app.Assessment.Round(r.Context(), p, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Handler) roundResults(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	id, err := pathID(r, "id", "round")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	switch format := r.URL.Query().Get("format"); format {
	case "", "json":
	case "xlsx":
		b, err := s.app.Assessment.ResultsWorkbook(r.Context(), p, id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="round-%d-results.xlsx"`, id))
		_, _ = w.Write(b)
		return
	default:
		s.fail(w, r, errs.Refuse(errs.Invalid, "bad_value", errs.Params{"field": "format", "value": format}, "format must be json or xlsx, not %q", format))
		return
	}
	res, err := s.app.Assessment.RoundResults(r.Context(), p, id, r.URL.Query().Get("group"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// roundsTrend answers GET /api/v1/assessment/trend?group=district|subdistrict|site_type|item[&standard=].
func (s *Handler) roundsTrend(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	q := r.URL.Query()
	if err := textcheck.Values(map[string][]string{"standard": {q.Get("standard")}, "group": {q.Get("group")}}); err != nil {
		s.fail(w, r, err)
		return
	}
	t, err := s.app.Assessment.RoundsTrend(r.Context(), p, q.Get("standard"), q.Get("group"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

func (s *Handler) getInspection(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	id, err := pathID(r, "id", "inspection")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.app.Assessment.Inspection(r.Context(), p, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Handler) markItem(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	id, err := pathID(r, "id", "inspection")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in assessment.MarkInput
	if err := s.decode(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.app.Assessment.MarkItem(r.Context(), p, id, r.PathValue("code"), in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Handler) submitInspection(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	id, err := pathID(r, "id", "inspection")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.app.Assessment.Submit(r.Context(), p, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Handler) assessmentTasks(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	lon, err := queryFloat(r, "lon")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lat, err := queryFloat(r, "lat")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	tasks, err := s.app.Assessment.Tasks(r.Context(), p, lon, lat)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, tasks)
}

func (s *Handler) reinspect(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	id, err := pathID(r, "case", "case")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in assessment.Reinspection
	if err := s.decode(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	f, err := s.app.Assessment.Reinspect(r.Context(), p, id, in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, f)
}
