package httpapi_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/citygrid/citygrid/internal/access"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/store/storetest"
	"github.com/citygrid/citygrid/internal/workflow"
)

func TestCategories(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		// A city's local, non-public extension: staff see it, the public does not.
		_, err := ts.App.Settings.ImportCategories(context.Background(), access.SystemPrincipal("test"), []workflow.Category{
			{Kind: workflow.Matter, Code: "99001", MajorCode: "99", MajorName: "本地事项类", Name: "内部巡查事项", Public: false, VerificationRequired: true},
		})
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name   string
			caller *client
			query  string
			want   int
		}{
			{"the public sees the national dictionary and 不确定/其他", ts.anonymous(), "", 404},
			{"staff also see the local non-public category", ts.signedIn(t, "operator"), "", 405},
			{"a resident sees only public ones", ts.signedIn(t, "resident"), "", 404},
			{"kind=matter keeps the matters", ts.anonymous(), "?kind=matter", 251},
			{"kind=component keeps the components", ts.signedIn(t, "operator"), "?kind=component", 153},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := tt.caller.do(t, "GET", "/api/v1/categories"+tt.query, nil)
				wantStatus(t, r, http.StatusOK)
				var cats []workflow.Category
				r.decode(t, &cats)
				if len(cats) != tt.want {
					t.Errorf("got %d categories, want %d", len(cats), tt.want)
				}
			})
		}
		t.Run("an unknown kind is refused", func(t *testing.T) {
			wantError(t, ts.anonymous().do(t, "GET", "/api/v1/categories?kind=event", nil), http.StatusUnprocessableEntity, "invalid")
		})
	})
}
