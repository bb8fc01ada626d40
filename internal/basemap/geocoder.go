package basemap

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
)

// TiandituAPI is where 天地图's web services answer.
const TiandituAPI = "https://api.tianditu.gov.cn"

// Geocoder finds places by name with 天地图's place search (地名搜索 V2.0, 普通搜索), within the
// city's extent. Its coordinates are CGCS2000, which is WGS-84 to well under a metre.
type Geocoder struct {
	Key    string
	API    string // default TiandituAPI; tests point it at their own server
	Client *http.Client
}

// GeoHit is one place the geocoder found.
type GeoHit struct {
	Name    string
	Address string
	At      orb.Point // WGS-84
}

// geocodeTimeout bounds a search: a person is typing, and the offline answers are already in.
const geocodeTimeout = 3 * time.Second

// Search asks for up to count places named q within the box.
func (g Geocoder) Search(ctx context.Context, q string, within orb.Bound, count int) ([]GeoHit, error) {
	api := g.API
	if api == "" {
		api = TiandituAPI
	}
	client := g.Client
	if client == nil {
		client = &http.Client{Timeout: geocodeTimeout}
	}
	post, _ := json.Marshal(map[string]any{
		"keyWord":   q,
		"mapBound":  fmt.Sprintf("%.6f,%.6f,%.6f,%.6f", within.Min[0], within.Min[1], within.Max[0], within.Max[1]),
		"level":     12,
		"queryType": 1,
		"start":     0,
		"count":     count,
	})
	u := api + "/v2/search?" + url.Values{"postStr": {string(post)}, "type": {"query"}, "tk": {g.Key}}.Encode()
	ctx, cancel := context.WithTimeout(ctx, geocodeTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("geocoder: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("geocoder: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("geocoder: status %d", resp.StatusCode)
	}
	var out struct {
		Pois []struct {
			Name    string `json:"name"`
			Address string `json:"address"`
			Lonlat  string `json:"lonlat"`
		} `json:"pois"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&out); err != nil {
		return nil, fmt.Errorf("geocoder: %w", err)
	}
	var hits []GeoHit
	for _, p := range out.Pois {
		// "113.24,35.21" (some answers separate with a space).
		parts := strings.FieldsFunc(p.Lonlat, func(r rune) bool { return r == ',' || r == ' ' })
		if len(parts) != 2 || p.Name == "" {
			continue
		}
		lon, err1 := strconv.ParseFloat(parts[0], 64)
		lat, err2 := strconv.ParseFloat(parts[1], 64)
		if err1 != nil || err2 != nil || lon < -180 || lon > 180 || lat < -90 || lat > 90 {
			continue
		}
		hits = append(hits, GeoHit{Name: p.Name, Address: p.Address, At: orb.Point{lon, lat}})
		if len(hits) == count {
			break
		}
	}
	return hits, nil
}
