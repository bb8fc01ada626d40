package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/citygrid/citygrid/internal/workflow"
)

// topic is a category the history reports, with how often and in which season.
type topic struct {
	kind   workflow.CategoryKind
	code   string
	weight float64 // reports per thousand, before the season
	season map[time.Month]float64
	cat    workflow.Category
}

var (
	summer = map[time.Month]float64{time.May: 1.5, time.June: 2.5, time.July: 3, time.August: 3, time.September: 1.8, time.October: 0.8,
		time.November: 0.3, time.December: 0.15, time.January: 0.1, time.February: 0.15, time.March: 0.4, time.April: 0.8}
	warm = map[time.Month]float64{time.June: 1.4, time.July: 1.6, time.August: 1.6, time.September: 1.2, time.December: 0.8, time.January: 0.7, time.February: 0.7}
	fall = map[time.Month]float64{time.October: 2.2, time.November: 2.5, time.December: 1.2}
	snow = map[time.Month]float64{time.December: 1, time.January: 1.5, time.February: 0.8}
)

// topics: the city's usual problems, roughly as a 数字城管 centre sees them, in every major
// class of both kinds.
var topics = []topic{
	{kind: workflow.Matter, code: "06010", weight: 110},                // 暴露垃圾
	{kind: workflow.Matter, code: "06011", weight: 38},                 // 积存垃圾渣土
	{kind: workflow.Matter, code: "06012", weight: 32},                 // 道路不洁
	{kind: workflow.Matter, code: "06036", weight: 48},                 // 乱堆杂物
	{kind: workflow.Matter, code: "06042", weight: 34, season: warm},   // 垃圾站（箱）满溢
	{kind: workflow.Matter, code: "06001", weight: 12},                 // 私搭乱建
	{kind: workflow.Matter, code: "06013", weight: 24},                 // 道路破损
	{kind: workflow.Matter, code: "06029", weight: 14, season: summer}, // 露天烧烤
	{kind: workflow.Matter, code: "06027", weight: 10, season: warm},   // 油烟污染
	{kind: workflow.Matter, code: "06028", weight: 10, season: warm},   // 噪声扰民
	{kind: workflow.Matter, code: "06034", weight: 8},                  // 废弃车辆
	{kind: workflow.Matter, code: "06040", weight: 8},                  // 私设地锁、阻车桩
	{kind: workflow.Matter, code: "06020", weight: 6, season: fall},    // 焚烧垃圾、树叶
	{kind: workflow.Matter, code: "07001", weight: 66},                 // 非法小广告
	{kind: workflow.Matter, code: "07003", weight: 12},                 // 违规户外广告
	{kind: workflow.Matter, code: "07006", weight: 8},                  // 违规牌匾标识
	{kind: workflow.Matter, code: "08002", weight: 9},                  // 施工占道
	{kind: workflow.Matter, code: "08004", weight: 13},                 // 工地扬尘
	{kind: workflow.Matter, code: "08006", weight: 7},                  // 施工物料乱堆放
	{kind: workflow.Matter, code: "09005", weight: 58},                 // 店外经营
	{kind: workflow.Matter, code: "09006", weight: 52},                 // 占道经营
	{kind: workflow.Matter, code: "09009", weight: 68},                 // 机动车乱停放
	{kind: workflow.Matter, code: "09010", weight: 34},                 // 非机动车乱停放
	{kind: workflow.Matter, code: "09011", weight: 24},                 // 共享单车乱象
	{kind: workflow.Matter, code: "09001", weight: 18},                 // 无照经营游商
	{kind: workflow.Matter, code: "09012", weight: 8},                  // 占用消防通道
	{kind: workflow.Matter, code: "10001", weight: 12, season: snow},   // 道路积雪、结冰
	{kind: workflow.Matter, code: "10002", weight: 6},                  // 架空线缆脱落
	{kind: workflow.Matter, code: "01002", weight: 10},                 // 污水井盖异常
	{kind: workflow.Matter, code: "01037", weight: 14},                 // 路灯异常
	{kind: workflow.Matter, code: "02010", weight: 6},                  // 交通标志牌及标线异常
	{kind: workflow.Matter, code: "03005", weight: 8},                  // 垃圾箱异常
	{kind: workflow.Matter, code: "04002", weight: 6},                  // 行道树异常
	{kind: workflow.Component, code: "01002", weight: 12},              // 污水井盖
	{kind: workflow.Component, code: "01003", weight: 8},               // 雨水井盖
	{kind: workflow.Component, code: "01037", weight: 16},              // 路灯
	{kind: workflow.Component, code: "01046", weight: 5},               // 户外健身设施
	{kind: workflow.Component, code: "02004", weight: 6},               // 公交站设施
	{kind: workflow.Component, code: "02017", weight: 6},               // 交通护栏
	{kind: workflow.Component, code: "02038", weight: 4},               // 门（楼号）牌
	{kind: workflow.Component, code: "03001", weight: 7},               // 公共厕所
	{kind: workflow.Component, code: "03005", weight: 9},               // 垃圾箱
	{kind: workflow.Component, code: "04002", weight: 8},               // 行道树
	{kind: workflow.Component, code: "04008", weight: 4},               // 绿地护栏
	{kind: workflow.Component, code: "05009", weight: 2},               // 文物古迹
}

// loadTopics reads each topic's category, as the reports will name it.
func (s *sim) loadTopics(ctx context.Context) error {
	for i := range topics {
		t := topics[i]
		cat, err := s.a.Cases.Category(ctx, t.kind, t.code)
		if err != nil {
			return fmt.Errorf("history: category %s %s: %w", t.kind, t.code, err)
		}
		t.cat = cat
		s.topics = append(s.topics, &t)
	}
	return nil
}

// pickTopic draws a category for a report at t; the public reports only public categories.
func (s *sim) pickTopic(t time.Time, source string) *topic {
	w := make([]float64, len(s.topics))
	for i, tp := range s.topics {
		w[i] = tp.weight
		if f, ok := tp.season[t.Month()]; ok {
			w[i] *= f
		} else if tp.season != nil && tp.code == "10001" {
			w[i] = 0 // no snow outside winter
		}
		if (source == "resident" || source == "open311") && !tp.cat.Public {
			w[i] = 0
		}
	}
	return s.topics[pickWeighted(s.rng, w)]
}

// describe words a report as its reporter would.
func (s *sim) describe(tp *topic, place string) string {
	details := []string{"影响市容环境，请尽快处理。", "已持续多日，群众反映强烈。", "位置明显，过往行人较多。", "请相关部门及时处置。", "存在安全隐患，请尽快处理。"}
	return fmt.Sprintf("%s发现%s，%s", place, tp.cat.Name, s.pick(details))
}

// result words a department's handling.
func (s *sim) result(tp *topic) string {
	var rs []string
	switch tp.cat.MajorCode {
	case "06", "03":
		rs = []string{"已组织环卫人员清理完毕，现场恢复整洁。", "已清运处理，并加强该路段保洁巡查。", "已完成清理，责任单位已签订门前三包责任书。"}
	case "07":
		rs = []string{"已清除违规广告，并对相关商户进行教育。", "已拆除，现场恢复原貌。"}
	case "08":
		rs = []string{"已责令施工单位整改，现场已落实围挡和覆盖措施。", "已约谈施工单位，占道物料已清理。"}
	case "09":
		rs = []string{"已劝离并规范经营秩序，后续加强巡查。", "已现场教育并督促整改完毕。", "已联系车主挪走，并张贴提示。"}
	case "01", "02", "04", "05":
		rs = []string{"已更换损坏部件，设施恢复正常。", "已维修完毕，经测试使用正常。", "已通知产权单位修复完毕。"}
	default:
		rs = []string{"已处置完毕。", "已协调相关单位处理完毕。"}
	}
	return s.pick(rs)
}
