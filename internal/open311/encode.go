package open311

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"time"

	"github.com/citygrid/citygrid/internal/worktime"
)

// The documents below are GeoReport v2's, field for field. Each type serves both formats: XML
// with the spec's element names under a root element, JSON as the official schemas in
// open311/schema-validation want it (string ids, real booleans, numeric lat/long, null for an
// absent value, lists as bare arrays).

// text is an optional string: null in JSON, an empty element in XML.
type text = *string

func opt(s string) text {
	if s == "" {
		return nil
	}
	return &s
}

// stamp formats a time as W3C date-time with its offset and no fractional seconds, in China
// time: what a resident of the city reads.
func stamp(t time.Time) string { return t.In(worktime.China).Format("2006-01-02T15:04:05-07:00") }

type serviceDoc struct {
	XMLName     xml.Name `xml:"service" json:"-"`
	ServiceCode string   `xml:"service_code" json:"service_code"`
	ServiceName string   `xml:"service_name" json:"service_name"`
	Description text     `xml:"description" json:"description"`
	Metadata    bool     `xml:"metadata" json:"metadata"`
	Type        string   `xml:"type" json:"type"`
	Keywords    text     `xml:"keywords" json:"keywords"`
	Group       text     `xml:"group" json:"group"`
}

type servicesDoc struct {
	XMLName  xml.Name     `xml:"services"`
	Services []serviceDoc `xml:"service"`
}

type valueDoc struct {
	Key  string `xml:"key" json:"key"`
	Name string `xml:"name" json:"name"`
}

type attributeDoc struct {
	Variable            bool       `xml:"variable" json:"variable"`
	Code                string     `xml:"code" json:"code"`
	Datatype            string     `xml:"datatype" json:"datatype"`
	Required            bool       `xml:"required" json:"required"`
	DatatypeDescription text       `xml:"datatype_description" json:"datatype_description"`
	Order               int        `xml:"order" json:"order"`
	Description         text       `xml:"description" json:"description"`
	Values              []valueDoc `xml:"-" json:"values,omitempty"`
	XMLValues           *valuesDoc `xml:"values,omitempty" json:"-"` // only list attributes have values
}

type valuesDoc struct {
	Values []valueDoc `xml:"value"`
}

type definitionDoc struct {
	XMLName     xml.Name       `xml:"service_definition" json:"-"`
	ServiceCode string         `xml:"service_code" json:"service_code"`
	Attributes  []attributeDoc `xml:"attributes>attribute" json:"attributes"`
}

type requestDoc struct {
	XMLName           xml.Name `xml:"request" json:"-"`
	ServiceRequestID  string   `xml:"service_request_id" json:"service_request_id"`
	Status            string   `xml:"status" json:"status"`
	StatusNotes       text     `xml:"status_notes" json:"status_notes"`
	ServiceName       text     `xml:"service_name" json:"service_name"`
	ServiceCode       string   `xml:"service_code" json:"service_code"`
	Description       text     `xml:"description" json:"description"`
	AgencyResponsible text     `xml:"agency_responsible" json:"agency_responsible"`
	ServiceNotice     text     `xml:"service_notice" json:"service_notice"`
	RequestedDatetime string   `xml:"requested_datetime" json:"requested_datetime"`
	UpdatedDatetime   text     `xml:"updated_datetime" json:"updated_datetime"`
	ExpectedDatetime  text     `xml:"expected_datetime" json:"expected_datetime"`
	Address           text     `xml:"address" json:"address"`
	AddressID         text     `xml:"address_id" json:"address_id"`
	Zipcode           text     `xml:"zipcode" json:"zipcode"`
	Lat               *float64 `xml:"lat" json:"lat"`
	Long              *float64 `xml:"long" json:"long"`
	MediaURL          text     `xml:"media_url" json:"media_url"`
}

type requestsDoc struct {
	XMLName  xml.Name     `xml:"service_requests"`
	Requests []requestDoc `xml:"request"`
}

// receiptDoc answers a POST of a request (and a token lookup): the id, and the token that
// finds it again.
type receiptDoc struct {
	XMLName          xml.Name `xml:"request" json:"-"`
	ServiceRequestID string   `xml:"service_request_id" json:"service_request_id"`
	Token            text     `xml:"token" json:"token"`
	ServiceNotice    text     `xml:"service_notice" json:"service_notice,omitempty"`
	AccountID        text     `xml:"account_id" json:"account_id,omitempty"`
}

type receiptsDoc struct {
	XMLName  xml.Name     `xml:"service_requests"`
	Requests []receiptDoc `xml:"request"`
}

type updateDoc struct {
	XMLName            xml.Name `xml:"request_update" json:"-"`
	UpdateID           string   `xml:"update_id" json:"update_id"`
	ServiceRequestID   string   `xml:"service_request_id,omitempty" json:"service_request_id,omitempty"`
	Status             string   `xml:"status,omitempty" json:"status,omitempty"`
	UpdatedDatetime    string   `xml:"updated_datetime,omitempty" json:"updated_datetime,omitempty"`
	Description        *string  `xml:"description" json:"description,omitempty"`
	MediaURL           *string  `xml:"media_url" json:"media_url,omitempty"`
	ExternalStatusCode string   `xml:"external_status_code,omitempty" json:"external_status_code,omitempty"`
}

type updatesDoc struct {
	XMLName xml.Name    `xml:"service_request_updates"`
	Updates []updateDoc `xml:"request_update"`
}

type endpointDoc struct {
	Specification string   `xml:"specification" json:"specification"`
	URL           string   `xml:"url" json:"url"`
	Changeset     string   `xml:"changeset" json:"changeset"`
	Type          string   `xml:"type" json:"type"`
	Formats       []string `xml:"formats>format" json:"formats"`
}

type discoveryDoc struct {
	XMLName    xml.Name      `xml:"discovery" json:"-"`
	Changeset  string        `xml:"changeset" json:"changeset"`
	Contact    string        `xml:"contact" json:"contact"`
	KeyService string        `xml:"key_service" json:"key_service"`
	Endpoints  []endpointDoc `xml:"endpoints>endpoint" json:"endpoints"`
}

type errorDoc struct {
	XMLName     xml.Name `xml:"error" json:"-"`
	Code        int      `xml:"code" json:"code"`
	Description string   `xml:"description" json:"description"`
}

type errorsDoc struct {
	XMLName xml.Name   `xml:"errors"`
	Errors  []errorDoc `xml:"error"`
}

// xmlDeclaration is the spec's, byte for byte (encoding/xml's Header says "UTF-8").
const xmlDeclaration = `<?xml version="1.0" encoding="utf-8"?>` + "\n"

// write sends a document: for XML the whole value under its root; for JSON the value jsonValue
// (the root's list for list documents, since JSON drops the root element).
func write(w http.ResponseWriter, format string, status int, xmlValue, jsonValue any) {
	var b bytes.Buffer
	if format == "json" {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(jsonValue); err != nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
	} else {
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		b.WriteString(xmlDeclaration)
		enc := xml.NewEncoder(&b)
		enc.Indent("", "  ")
		if err := enc.Encode(xmlValue); err != nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		b.WriteByte('\n')
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}
