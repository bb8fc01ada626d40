package exports

// The words an export file shows for the domain's codes. An export is a Chinese document a
// centre circulates, whatever language its requester's pages are in, so these are the words of
// the Chinese pages (internal/web/i18n/zh-CN.json; a test holds the two together).
var (
	statusNames = map[string]string{
		"reported": "待受理", "registered": "已立案", "dispatched": "已派遣", "in_progress": "处置中",
		"handled": "待核查", "suspended": "挂账", "closed": "已结案", "rejected": "不予立案",
	}
	sourceNames = map[string]string{
		"patrol": "巡查上报", "resident": "市民上报", "open311": "Open311", "hotline": "12345 热线", "phone": "电话举报",
		"inspection": "测评", "instruction": "领导交办", "campaign": "专项整治", "case": "并入的上报",
	}
	urgencyNames = map[string]string{"normal": "一般", "urgent": "紧急", "emergency": "特急"}
	kindNames    = map[string]string{"component": "部件", "matter": "事件"}
	closureNames = map[string]string{"normal": "正常结案", "late": "超时结案", "error": "差错结案", "special": "特殊结案"}
	// Lights are named by their colour in an export (绿灯, 黄灯, 红灯), as centres say them;
	// whether a case is late has a column of its own.
	lightNames = map[string]string{"green": "绿灯", "yellow": "黄灯", "red": "红灯"}
)

// name returns the word for a code, or the code itself when there is none.
func name(words map[string]string, code string) string {
	if w, ok := words[code]; ok {
		return w
	}
	return code
}
