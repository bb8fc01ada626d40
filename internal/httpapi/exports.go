package httpapi

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/exports"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/sheet"
)

// startExport answers POST /api/v1/exports {"kind": "cases"|"stats", "format": "xlsx"|"csv",
// "filters": {…}} with 202 and the queued export; a runner writes the file.
func (s *Handler) startExport(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	var in exports.Request
	if err := s.decode(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	j, err := s.app.Exports.Start(r.Context(), p, in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/exports/%d", j.ID))
	writeJSON(w, http.StatusAccepted, j)
}

func exportID(r *http.Request) (int64, error) {
	v := r.PathValue("id")
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 || strings.TrimLeft(v, "0123456789") != "" {
		return 0, errs.E(errs.NotFound, "export %q not found", v)
	}
	return id, nil
}

// getExport answers GET /api/v1/exports/{id}: its state, rows written of total, and where to
// download it once done. Only the person who asked sees it.
func (s *Handler) getExport(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	id, err := exportID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	j, err := s.app.Exports.Job(r.Context(), p, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, j)
}

// exportDownload bounds the time to send an export's file: larger than the server's write
// timeout, which is made for API answers, not for a 50 MB file on a phone's network.
const exportDownload = 30 * time.Minute

// getExportFile answers GET /api/v1/exports/{id}/file with the finished file, to the person who
// asked for it, named in Chinese per RFC 6266 (with an ASCII name for old clients).
func (s *Handler) getExportFile(w http.ResponseWriter, r *http.Request, p *access.Principal) {
	id, err := exportID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	file, j, err := s.app.Exports.Open(r.Context(), p, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer file.Close()
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(exportDownload))
	h := w.Header()
	h.Set("Content-Type", sheet.Format(j.Format).ContentType())
	h.Set("Content-Disposition", contentDisposition(fmt.Sprintf("citygrid-export-%d.%s", j.ID, j.Format), j.FileName))
	h.Set("Cache-Control", "private, no-store")
	if rs, ok := file.(io.ReadSeeker); ok {
		http.ServeContent(w, r, "", time.Time{}, rs) // lengths and ranges, for resumed downloads
		return
	}
	_, _ = io.Copy(w, file)
}

// contentDisposition is an attachment named name, with fallback as the plain filename for
// clients that do not read filename* (RFC 6266 §4.3, RFC 8187).
func contentDisposition(fallback, name string) string {
	return `attachment; filename="` + fallback + `"; filename*=UTF-8''` + encodeRFC8187(name)
}

// encodeRFC8187 percent-encodes every byte of s but RFC 8187's attr-char.
func encodeRFC8187(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}
