package settings

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"image/png"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/app/kernel"
	"github.com/citygrid/citygrid/internal/errs"
)

// The deployment's identity: the name people know the platform by (e.g. 焦作市数字城管平台), the
// unit that runs it (主办单位) and its emblem, shown in the header of every page instead of the
// program's name. The city's administrator sets them; every page reads them, so they are kept
// for a second like the other settings.

// Identity is what the pages show of the deployment. Empty fields are unset: the pages then
// use their own words.
type Identity struct {
	Name string `json:"name"`
	Unit string `json:"unit"`
	// EmblemType is the emblem's media type (image/png or image/svg+xml), "" without one.
	EmblemType string `json:"emblem_type,omitempty"`
	// EmblemHash names the emblem's bytes, so its URL changes when they do.
	EmblemHash string `json:"emblem_hash,omitempty"`
}

// Limits of the identity's fields.
const (
	MaxSiteName   = 40
	MaxSiteUnit   = 60
	MaxEmblemSize = 64 << 10 // an emblem for a header is a few KB; this bounds every page's cost
	maxEmblemSide = 2048
)

const (
	keyName       = "name"
	keyUnit       = "unit"
	keyEmblem     = "emblem" // base64 of the bytes
	keyEmblemType = "emblem_type"
)

type identityCache struct {
	mu     sync.Mutex
	read   time.Time
	id     Identity
	emblem []byte
}

const identityTTL = time.Second

// Identity returns the deployment's name, unit and emblem type; anyone may read them (they are
// on every page, the sign-in page too).
func (a *Service) Identity(ctx context.Context) (Identity, error) {
	id, _, err := a.identity(ctx)
	return id, err
}

// Emblem returns the emblem's bytes and media type; NotFound when there is none.
func (a *Service) Emblem(ctx context.Context) ([]byte, Identity, error) {
	id, b, err := a.identity(ctx)
	if err != nil {
		return nil, Identity{}, err
	}
	if len(b) == 0 {
		return nil, Identity{}, errs.Refuse(errs.NotFound, "no_emblem", nil, "no emblem is set")
	}
	return b, id, nil
}

func (a *Service) identity(ctx context.Context) (Identity, []byte, error) {
	c := &a.ident
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.read.IsZero() && time.Since(c.read) < identityTTL {
		return c.id, c.emblem, nil
	}
	kv, err := a.DB.SiteSettings(ctx)
	if err != nil {
		return Identity{}, nil, err
	}
	id := Identity{Name: kv[keyName], Unit: kv[keyUnit]}
	var emblem []byte
	if s := kv[keyEmblem]; s != "" {
		if emblem, err = base64.StdEncoding.DecodeString(s); err != nil {
			return Identity{}, nil, errors.New("stored emblem is not base64") // only a hand-edited database
		}
		sum := sha256.Sum256(emblem)
		id.EmblemType, id.EmblemHash = kv[keyEmblemType], hex.EncodeToString(sum[:8])
	}
	c.id, c.emblem, c.read = id, emblem, time.Now()
	return id, emblem, nil
}

func (a *Service) forgetIdentity() {
	a.ident.mu.Lock()
	a.ident.read = time.Time{}
	a.ident.mu.Unlock()
}

// PutIdentity sets the deployment's name and unit; an empty one goes back to the pages' own
// words. Only an unscoped admin may: the name is the whole deployment's.
func (a *Service) PutIdentity(ctx context.Context, actor *access.Principal, name, unit string) error {
	if err := kernel.MayEditCityWide(actor, "site settings"); err != nil {
		return err
	}
	name, unit = strings.TrimSpace(name), strings.TrimSpace(unit)
	if err := kernel.CheckText(name, "site_name", MaxSiteName); err != nil {
		return err
	}
	if err := kernel.CheckText(unit, "site_unit", MaxSiteUnit); err != nil {
		return err
	}
	if strings.ContainsAny(name+unit, "\r\n\t") {
		return errs.Refuse(errs.Invalid, "one_line", errs.Params{"field": "site_name"}, "the name and unit are one line each")
	}
	defer a.forgetIdentity()
	return a.DB.InTx(ctx, func(ctx context.Context) error {
		before, err := a.DB.SiteSettings(ctx)
		if err != nil {
			return err
		}
		if err := a.DB.PutSiteSettings(ctx, map[string]string{keyName: name, keyUnit: unit}, a.Now()); err != nil {
			return err
		}
		return a.Record(ctx, actor, "site.identity", "site", map[string]any{"name": before[keyName], "unit": before[keyUnit]},
			map[string]any{"name": name, "unit": unit})
	})
}

// PutEmblem sets the emblem: a PNG or SVG image (known by its bytes, not by what the upload
// calls it) of at most MaxEmblemSize. An SVG may hold shapes and styles only: no scripts, no
// event handlers, no references outside itself, since it is served from the platform's origin.
// No bytes remove the emblem.
func (a *Service) PutEmblem(ctx context.Context, actor *access.Principal, b []byte) error {
	if err := kernel.MayEditCityWide(actor, "site settings"); err != nil {
		return err
	}
	kind := ""
	if len(b) > 0 {
		var err error
		if kind, err = checkEmblem(b); err != nil {
			return err
		}
	}
	sum := sha256.Sum256(b)
	defer a.forgetIdentity()
	return a.DB.InTx(ctx, func(ctx context.Context) error {
		if err := a.DB.PutSiteSettings(ctx, map[string]string{keyEmblem: base64.StdEncoding.EncodeToString(b), keyEmblemType: kind}, a.Now()); err != nil {
			return err
		}
		after := map[string]any{"type": kind, "bytes": len(b), "sha256": hex.EncodeToString(sum[:])}
		if len(b) == 0 {
			after = nil
		}
		return a.Record(ctx, actor, "site.emblem", "site", nil, after)
	})
}

// checkEmblem returns the media type of an acceptable emblem.
func checkEmblem(b []byte) (string, error) {
	if len(b) > MaxEmblemSize {
		return "", errs.Refuse(errs.TooLarge, "emblem_too_large", errs.Params{"max_kb": MaxEmblemSize >> 10},
			"the emblem has %d bytes; at most %d KB", len(b), MaxEmblemSize>>10)
	}
	if http.DetectContentType(b) == "image/png" {
		// The size first, from the header: a small file may claim a huge image.
		cfg, err := png.DecodeConfig(bytes.NewReader(b))
		if err == nil && (cfg.Width < 1 || cfg.Height < 1 || cfg.Width > maxEmblemSide || cfg.Height > maxEmblemSide) {
			err = errs.E(errs.Invalid, "%d×%d pixels", cfg.Width, cfg.Height)
		}
		if err == nil {
			_, err = png.Decode(bytes.NewReader(b))
		}
		if err != nil {
			return "", errs.Refuse(errs.Invalid, "emblem_type", nil, "the emblem is not a readable PNG of at most %d×%d pixels", maxEmblemSide, maxEmblemSide)
		}
		return "image/png", nil
	}
	if err := checkSVG(b); err != nil {
		return "", err
	}
	return "image/svg+xml", nil
}

// svgForbidden are the elements an emblem may not hold: they run code, embed other documents
// or pull in resources.
var svgForbidden = map[string]bool{"script": true, "foreignobject": true, "iframe": true, "embed": true, "object": true,
	"image": true, "a": true, "audio": true, "video": true, "handler": true, "listener": true}

// checkSVG accepts an SVG document of shapes and styles, and refuses anything else (another
// format, a script, an event handler, a reference to another resource, a DTD).
func checkSVG(b []byte) error {
	notImage := errs.Refuse(errs.Invalid, "emblem_type", nil, "the emblem must be a PNG or SVG image")
	unsafe := func(what string) error {
		return errs.Refuse(errs.Invalid, "emblem_unsafe", errs.Params{"what": what}, "the SVG emblem holds %s, which an emblem may not", what)
	}
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict = true
	root := true
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return notImage
		}
		switch t := tok.(type) {
		case xml.Directive:
			return unsafe("<!" + strings.SplitN(string(t), " ", 2)[0])
		case xml.ProcInst:
			if t.Target != "xml" {
				return unsafe("<?" + t.Target)
			}
		case xml.StartElement:
			name := strings.ToLower(t.Name.Local)
			if root {
				if name != "svg" {
					return notImage
				}
				root = false
			}
			if svgForbidden[name] {
				return unsafe("<" + t.Name.Local + ">")
			}
			for _, at := range t.Attr {
				an, v := strings.ToLower(at.Name.Local), strings.ToLower(strings.TrimSpace(at.Value))
				switch {
				case strings.HasPrefix(an, "on"):
					return unsafe(at.Name.Local)
				case (an == "href" || an == "src") && !strings.HasPrefix(v, "#"):
					return unsafe(at.Name.Local)
				case an == "attributename" && strings.Contains(v, "href"): // an animation that would make a link
					return unsafe(at.Name.Local)
				case strings.Contains(v, "url(") && !strings.Contains(strings.ReplaceAll(v, " ", ""), "url(#"):
					return unsafe("url()")
				}
			}
		case xml.CharData:
			if s := strings.ToLower(string(t)); strings.Contains(s, "@import") || (strings.Contains(s, "url(") && !strings.Contains(strings.ReplaceAll(s, " ", ""), "url(#")) {
				return unsafe("url()")
			}
		}
	}
	if root {
		return notImage
	}
	return nil
}
