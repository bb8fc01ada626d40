package workflow_test

import (
	"strings"
	"testing"

	"github.com/citygrid/citygrid/internal/workflow"
)

func TestNationalCategories(t *testing.T) {
	counts := map[workflow.CategoryKind]int{}
	byKey := map[string]workflow.Category{}
	for _, c := range workflow.NationalCategories() {
		counts[c.Kind]++
		byKey[string(c.Kind)+":"+c.Code] = c
		if !c.Public || !c.VerificationRequired || c.Local {
			t.Errorf("%s %s: national categories are public, verified and not local: %+v", c.Kind, c.Code, c)
		}
	}
	if counts[workflow.Component] != 153 || counts[workflow.Matter] != 250 {
		t.Errorf("counts = %v, want 153 components and 250 matters", counts)
	}
	for key, name := range map[string]string{"component:01002": "污水井盖", "matter:09009": "机动车乱停放", "matter:06010": "暴露垃圾"} {
		if byKey[key].Name != name {
			t.Errorf("%s = %q, want %q", key, byKey[key].Name, name)
		}
	}
}

func TestReadCategories(t *testing.T) {
	const header = "kind,code,major_code,major_name,name,filing_condition,public,sensitive\n"
	tests := []struct {
		name, csv string
		want      string // "" = ok; else a substring of the error
	}{
		{"a local extension with conditions", header + "matter,99001,99,本地事项类,共享单车乱停放,占用盲道,true,false\n", ""},
		{"columns in another order", "name,code,kind,major_name,major_code\n旱厕,99002,matter,本地事项类,99\n", ""},
		{"a comment line is skipped", "# local table\n" + header + "matter,99001,99,本地,x,,true,false\n", ""},
		{"a missing column", "kind,code,name\nmatter,99001,x\n", `no "major_code" column`},
		{"an unknown kind", header + "event,99001,99,本地,x,,,\n", "component or matter"},
		{"a four-digit code", header + "matter,9901,99,本地,x,,,\n", "5 digits"},
		{"a major class not matching the code", header + "matter,99001,98,本地,x,,,\n", "first two digits"},
		{"an empty name", header + "matter,99001,99,本地,,,,\n", "name is empty"},
		{"a bad boolean", header + "matter,99001,99,本地,x,,maybe,\n", "true or false"},
		{"a repeated key", header + "matter,99001,99,本地,x,,,\nmatter,99001,99,本地,y,,,\n", "repeats line 2"},
		{"no header at all", "", "no header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cats, err := workflow.ReadCategories(strings.NewReader(tt.csv))
			if tt.want == "" {
				if err != nil || len(cats) != 1 {
					t.Fatalf("ReadCategories = %v, %v; want one category", cats, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ReadCategories error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func FuzzReadCategories(f *testing.F) {
	f.Add("kind,code,major_code,major_name,name\nmatter,09009,09,街面秩序类,机动车乱停放\n")
	f.Add("kind,code,major_code,major_name,name,public\ncomponent,01002,01,x,y,false\n")
	f.Fuzz(func(t *testing.T, in string) {
		cats, err := workflow.ReadCategories(strings.NewReader(in))
		if err != nil {
			return
		}
		for _, c := range cats {
			if err := c.Validate(); err != nil {
				t.Fatalf("ReadCategories returned an invalid category %+v: %v", c, err)
			}
		}
	})
}
