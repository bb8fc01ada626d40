package notices

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/citygrid/citygrid/internal/app/follow"
	"github.com/citygrid/citygrid/internal/app/people"
	"github.com/citygrid/citygrid/internal/errs"
	"github.com/citygrid/citygrid/internal/notify"
	"github.com/citygrid/citygrid/internal/store"
	"github.com/citygrid/citygrid/internal/workflow"
	"github.com/citygrid/citygrid/internal/worktime"
)

// Mails to the people who follow a case or an area by e-mail (package follow) travel like every
// other delivery: the step writes its outbox message, DeliverOutbox queues one delivery per
// follow on channel "follow" (its target the follow's id, so a message reaches a follow once),
// and SendDeliveries mails it unless the follow has ended in between. They are worded for
// residents: what happened to the case in plain words, the department by name, the link to the
// case's tracking page and the one-click unsubscribe link.

// channelFollow is the delivery channel of mails to followers.
const channelFollow = "follow"

// stepMessage is what a follower's mail reads of a case message's payload.
type stepMessage struct {
	Status      workflow.Status `json:"status"`
	EventCode   string          `json:"event_code"`
	EventParams map[string]any  `json:"event_params"`
}

// residentWords says a step to a resident: a short label for the subject and a sentence for
// the body; ok is false for steps residents are not told of by mail.
func (a *Service) residentWords(ctx context.Context, rec store.CaseRecord, sm stepMessage) (label, line string, ok bool, err error) {
	param := func(k string) string { s, _ := sm.EventParams[k].(string); return s }
	dept := func(code string) (string, error) {
		if code == "" {
			code = rec.State.Department
		}
		ds, err := a.RefDepartments(ctx)
		if err != nil {
			return "", err
		}
		for _, d := range ds {
			if d.Code == code {
				return d.Name, nil
			}
		}
		return "相关部门", nil
	}
	var name string
	switch sm.EventCode {
	case "registered":
		return "已立案", "已受理立案，正在安排处理部门。", true, nil
	case "dispatched":
		if name, err = dept(param("department")); err != nil {
			return "", "", false, err
		}
		return "已派遣", "已交由「" + name + "」处理。", true, nil
	case "handled":
		if name, err = dept(""); err != nil {
			return "", "", false, err
		}
		return "已处理，待核查", "「" + name + "」已处理完毕，正在到现场核查处理结果。", true, nil
	case "handled_closed", "verified_closed", "closed_special":
		return "已办结", "已办结，处理结果可在办理进度页面查看。感谢您的关注！", true, nil
	case "verify_failed":
		if name, err = dept(""); err != nil {
			return "", "", false, err
		}
		return "重新处理", "经现场核查，处理结果还未达到要求，已请「" + name + "」重新处理。", true, nil
	case "reopened_dispatched":
		if name, err = dept(""); err != nil {
			return "", "", false, err
		}
		return "重新办理", "已重新办理，交由「" + name + "」处理。", true, nil
	case "reopened":
		return "重新办理", "已重新办理，正在安排处理部门。", true, nil
	case "rejected":
		switch param("reject_reason") {
		case workflow.RejectDuplicate:
			return "已并入其他问题", "与已上报的问题（编号 " + param("merged_into") + "）是同一问题，已并入其中一并处理；它的进展我们会继续告诉您。", true, nil
		case workflow.RejectOutOfScope:
			return "未予立案", "经核实，不属于本平台受理的范围，未予立案。", true, nil
		default:
			return "未予立案", "经核实，未予立案（问题不成立，或现场未发现）。", true, nil
		}
	}
	return "", "", false, nil
}

// tellFollowers queues the mails of a case message to the people who follow it: a step
// residents care about goes to the case's followers, a new public report to the followers of
// its subdistrict and community.
func (a *Service) tellFollowers(ctx context.Context, m store.OutboxMessage, cm caseMessage) error {
	if a.Opts.Mailer == nil {
		return nil // no follow can have been asked for (package follow refuses without a mailer)
	}
	var sm stepMessage
	if err := json.Unmarshal([]byte(m.Payload), &sm); err != nil {
		return nil // not a step's message: nothing to say
	}
	if m.Topic == "case."+string(workflow.Report) {
		return a.tellArea(ctx, m, cm)
	}
	if sm.EventCode == "" {
		return nil
	}
	follows, err := a.DB.CaseFollowers(ctx, cm.CaseID) // most cases have none: asked first
	if err != nil || len(follows) == 0 {
		return err
	}
	rec, err := a.DB.Case(ctx, cm.CaseID)
	if err != nil {
		return err
	}
	label, line, ok, err := a.residentWords(ctx, rec, sm)
	if err != nil || !ok {
		return err
	}
	cat, err := a.Category(ctx, rec.State.Kind, rec.State.Category)
	if err != nil {
		return err
	}
	return a.queueFollowMails(ctx, m, follows, func(f store.Follow) (string, string) {
		ticket := f.Ticket // a report merged into the case is followed under its own ticket
		if ticket == "" {
			ticket = rec.Ticket
		}
		return "您关注的问题 " + ticket + "：" + label, "您好！\n\n您关注的问题（编号 " + ticket + "，" + cat.Name + "）有了新进展：\n" + line + "\n\n" +
			"查看办理进度：" + a.link("/track/"+url.PathEscape(ticket)) + "\n" + a.footer(f, "这个问题")
	})
}

// tellArea queues the mails of a new report to the followers of its area, when the public may
// see it: of a public category and not rejected by the time the mail is queued.
func (a *Service) tellArea(ctx context.Context, m store.OutboxMessage, cm caseMessage) error {
	rec, err := a.DB.Case(ctx, cm.CaseID)
	if err != nil {
		return err
	}
	s := rec.State
	cat, err := a.Category(ctx, s.Kind, s.Category)
	if err != nil {
		return err
	}
	if !cat.Public || s.Status == workflow.Rejected {
		return nil
	}
	follows, err := a.DB.AreaFollowers(ctx, s.RegionPath, follow.ClassOf(s.Kind, s.Category))
	if err != nil || len(follows) == 0 {
		return err
	}
	path, err := a.PathOf(ctx, s.Grid())
	if err != nil {
		return err
	}
	names := make(map[string]string, len(path))
	where := make([]string, 0, 3)
	for _, r := range path {
		names[r.Code] = r.Name
		if len(where) > 0 || len(r.Code) >= 9 { // from the subdistrict down
			where = append(where, r.Name)
		}
	}
	reported := rec.CreatedAt.In(worktime.China).Format("2006-01-02 15:04")
	return a.queueFollowMails(ctx, m, follows, func(f store.Follow) (string, string) {
		return names[f.Region] + "有新上报的问题：" + cat.Name, "您好！\n\n您订阅的「" + names[f.Region] + "」有新上报的问题：\n" + cat.Name + "，" + strings.Join(where, " ") +
			"\n编号 " + rec.Ticket + "，上报于 " + reported + "\n\n查看办理进度：" + a.link("/track/"+url.PathEscape(rec.Ticket)) + "\n" +
			a.footer(f, "「"+names[f.Region]+"」的新问题")
	})
}

// queueFollowMails queues one mail per address among follows (an address following both a
// subdistrict and one of its communities hears of a report once).
func (a *Service) queueFollowMails(ctx context.Context, m store.OutboxMessage, follows []store.Follow, mail func(store.Follow) (subject, body string)) error {
	now, told := a.Now(), map[string]bool{}
	for _, f := range follows {
		if told[f.Email] {
			continue
		}
		told[f.Email] = true
		subject, body := mail(f)
		if err := a.DB.AddDelivery(ctx, store.Delivery{OutboxID: m.ID, Channel: channelFollow, Target: strconv.FormatInt(f.ID, 10),
			Subject: subject, Body: body, NextAt: now, CreatedAt: now}); err != nil {
			return err
		}
	}
	return nil
}

// mailConfirmation queues the mail that asks an address to confirm a follow.
func (a *Service) mailConfirmation(ctx context.Context, m store.OutboxMessage) error {
	if a.Opts.Mailer == nil {
		return nil
	}
	var cm follow.ConfirmMessage
	if err := json.Unmarshal([]byte(m.Payload), &cm); err != nil || cm.FollowID == 0 {
		return fmt.Errorf("confirmation message %d: %q names no follow", m.ID, m.Payload)
	}
	f, err := a.DB.FollowByID(ctx, cm.FollowID)
	if err != nil {
		return err
	}
	if f.ConfirmedAt != nil || f.UnsubscribedAt != nil {
		return nil // confirmed (by an earlier mail) or ended since: nothing to ask
	}
	what := "问题（编号 " + f.Ticket + "）的办理进展"
	asked := "有人（很可能是您本人）请求用本邮箱接收" + what
	if cm.AtReport {
		asked = "您在上报问题（编号 " + f.Ticket + "）时留下了本邮箱，用来接收它的办理进展"
	}
	if f.Kind == store.FollowArea {
		area, className, err := a.followArea(ctx, f)
		if err != nil {
			return err
		}
		what = "「" + area + "」新上报的" + className + "问题"
		asked = "有人（很可能是您本人）请求用本邮箱接收" + what
	}
	body := "您好！\n\n" + asked + "。\n请打开下面的链接，点击“确认关注”：\n" + a.link("/follow/"+f.Token) + "\n\n" +
		"确认之后，有新进展时我们会发邮件告诉您；每封邮件都带有一键退订的链接。\n" +
		"如果这不是您的请求，请忽略本邮件：不确认，就不会再收到任何邮件。\n"
	now := a.Now()
	return a.DB.AddDelivery(ctx, store.Delivery{OutboxID: m.ID, Channel: channelFollow, Target: strconv.FormatInt(f.ID, 10),
		Subject: "请确认：接收" + what, Body: body, NextAt: now, CreatedAt: now})
}

// mailSignupCode queues the mail of a sign-up code.
func (a *Service) mailSignupCode(ctx context.Context, m store.OutboxMessage) error {
	if a.Opts.Mailer == nil {
		return nil
	}
	var sm people.SignupMessage
	if err := json.Unmarshal([]byte(m.Payload), &sm); err != nil || sm.Email == "" || sm.Code == "" {
		return fmt.Errorf("sign-up message %d names no address or code", m.ID)
	}
	now := a.Now()
	return a.DB.AddDelivery(ctx, store.Delivery{OutboxID: m.ID, Channel: "email", Target: sm.Email,
		Subject: "您的注册验证码：" + sm.Code, Body: "您好！\n\n您正在用本邮箱注册居民账号，验证码是：\n\n    " + sm.Code +
			"\n\n15 分钟内有效。请回到注册页面填写。\n如果这不是您本人的操作，请忽略本邮件：不填写验证码，就不会注册任何账号。\n",
		NextAt: now, CreatedAt: now})
}

// followArea names a follow's area and class for its confirmation mail.
func (a *Service) followArea(ctx context.Context, f store.Follow) (area, className string, err error) {
	ref, className, err := follow.New(a.Core).Area(ctx, f.Region, f.Class)
	if errs.Is(err, errs.NotFound) || errs.Is(err, errs.Invalid) {
		return f.Region, "", nil // gone since: say the code
	}
	return ref.Name, className, err
}

// footer ends every follower's mail: why it came and the link that ends it.
func (a *Service) footer(f store.Follow, what string) string {
	return "\n——\n您收到这封邮件，是因为您用本邮箱关注了" + what + "。\n不再接收：" + a.link(unsubscribePath(f.Token)) + "\n"
}

func unsubscribePath(token string) string { return "/follow/" + token + "/unsubscribe" }

// link is a path on the site as an absolute address when the server knows its own.
func (a *Service) link(path string) string { return strings.TrimSuffix(a.Opts.PublicURL, "/") + path }

// sendFollow mails a follower's delivery unless its follow has ended since, with the headers
// of one-click unsubscribing (RFC 2369 List-Unsubscribe, RFC 8058 List-Unsubscribe-Post) when
// the server knows its absolute address.
func (a *Service) sendFollow(ctx context.Context, d store.Delivery) error {
	id, _ := strconv.ParseInt(d.Target, 10, 64)
	f, err := a.DB.FollowByID(ctx, id)
	if err != nil {
		return err
	}
	if f.UnsubscribedAt != nil {
		return nil // ended since: drop quietly
	}
	var extra []notify.Header
	if u := a.link(unsubscribePath(f.Token)); strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") {
		extra = append(extra, notify.Header{Name: "List-Unsubscribe", Value: "<" + u + ">"},
			notify.Header{Name: "List-Unsubscribe-Post", Value: "List-Unsubscribe=One-Click"})
	}
	return a.Opts.Mailer.Send(ctx, f.Email, d.Subject, d.Body, extra...)
}
