package eval

// CountKeys are the count keys of a table row, in the order exports write their columns
// (indicators.md, issue 13). handle_hours is the sum of working hours spent handling (处置用时),
// for means.
var CountKeys = []string{"reported", "valid_reported", "registered", "registered_on_time", "rejected",
	"due_dispatch", "dispatched", "dispatched_on_time", "wrong_dispatch", "returned",
	"due_handle", "handled", "handled_on_time", "handled_late", "pending_overdue", "rework", "extended", "suspended",
	"due_verify", "verified_on_time", "due_close", "closed", "closed_on_time", "self_handled", "handle_hours",
	"rated", "satisfied", "urged"}

// RateKeys are the rate keys of a table row, in order.
var RateKeys = []string{"valid_report_rate", "on_time_register_rate", "accurate_register_rate",
	"on_time_dispatch_rate", "accurate_dispatch_rate", "handle_rate", "on_time_handle_rate", "rework_rate",
	"extension_rate", "pending_overdue_rate", "on_time_verify_rate", "close_rate", "on_time_close_rate",
	"satisfaction_rate", "mean_handle_hours"}

// Labels are the Chinese names of the count and rate keys, and of the other columns of a
// table, for pages and exports (the headers of an evaluation table).
var Labels = map[string]string{
	"reported":           "上报数",
	"valid_reported":     "有效上报数",
	"registered":         "立案数",
	"registered_on_time": "按时立案数",
	"rejected":           "作废数",
	"due_dispatch":       "应派遣数",
	"dispatched":         "派遣数",
	"dispatched_on_time": "按时派遣数",
	"wrong_dispatch":     "错误派遣数",
	"returned":           "回退数",
	"due_handle":         "应处置数",
	"handled":            "处置数",
	"handled_on_time":    "按期处置数",
	"handled_late":       "超期处置数",
	"pending_overdue":    "超期待处置数",
	"rework":             "返工数",
	"extended":           "延期数",
	"suspended":          "挂账数",
	"due_verify":         "应核查数",
	"verified_on_time":   "按时核查数",
	"due_close":          "应结案数",
	"closed":             "结案数",
	"closed_on_time":     "按期结案数",
	"self_handled":       "自行处置数",
	"handle_hours":       "处置用时（工作小时）",
	"rated":              "评价数",
	"satisfied":          "满意数",
	"urged":              "督办数",

	"valid_report_rate":      "有效上报率",
	"on_time_register_rate":  "按时立案率",
	"accurate_register_rate": "准确立案率",
	"on_time_dispatch_rate":  "按时派遣率",
	"accurate_dispatch_rate": "准确派遣率",
	"handle_rate":            "处置率",
	"on_time_handle_rate":    "按期处置率",
	"rework_rate":            "返工率",
	"extension_rate":         "延期率",
	"pending_overdue_rate":   "超期待处置率",
	"on_time_verify_rate":    "按时核查率",
	"close_rate":             "结案率",
	"on_time_close_rate":     "按期结案率",
	"satisfaction_rate":      "满意率",
	"mean_handle_hours":      "平均处置时长（工作小时）",

	"key":   "编码",
	"name":  "名称",
	"score": "综合得分",
	"grade": "等级",
	"rank":  "排名",

	KindDepartment:  "专业部门",
	KindDistrict:    "区县",
	KindSubdistrict: "街道",
	KindCommunity:   "社区",
	KindGrid:        "网格",
	KindPerson:      "人员",
}

// IsRate reports whether a rate key is a proportion (shown as a percentage), not a mean.
func IsRate(key string) bool { return key != "mean_handle_hours" }
