package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Sign returns the signature header value of a webhook body sent at timestamp: HMAC-SHA256
// over "timestamp.body" with the subscription's secret, as "sha256=<hex>". Receivers recompute
// it, compare in constant time, and reject old timestamps to stop replays.
func Sign(secret string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "%d.", timestamp)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Hook is one signed webhook post.
type Hook struct {
	URL, Secret string
	Topic       string
	DeliveryID  int64
	Body        string
	At          time.Time // the signed timestamp
}

// PostWebhook posts a hook with its signature headers within 10 seconds (or the context's
// deadline, if sooner); any answer but 2xx is an error.
func PostWebhook(ctx context.Context, client *http.Client, h Hook) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, strings.NewReader(h.Body))
	if err != nil {
		return err
	}
	ts := h.At.Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "citygrid-webhooks")
	req.Header.Set("X-Citygrid-Event", h.Topic)
	req.Header.Set("X-Citygrid-Delivery", strconv.FormatInt(h.DeliveryID, 10))
	req.Header.Set("X-Citygrid-Timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("X-Citygrid-Signature", Sign(h.Secret, ts, []byte(h.Body)))
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("answered %s", resp.Status)
	}
	return nil
}
