"""Article search speed at 10k and 100k articles beside 1M tickets:
`python -m bench.knowledge_speed [--only sqlite|postgresql] [--tickets 1000000] [--sizes 10000,100000]`.

Per database: with `--tickets N`, a fresh desk — migrate, `demo --no-tickets`, `bench.generate --tickets N`
(PostgreSQL: the database `--db`, default sd_bench, dropped and made again; SQLite: `--sqlite-dir`); without
it, the desk already there (made so before, and migrated). Then per size, in growing order, articles are
added up to that many and timed, one sequential client in-process, `--samples` (300) calls each after a
warm-up, as customer1 (a customer of Organisation A):

- **search**: `search.find_articles(q, user=customer, language=…, limit=10)` with q drawn from every query
  of the relevance set (bench/knowledge/queries.json: two-character words, sentences, English, mixed);
- **suggestion**: what the portal asks while a customer types a problem — `find_articles(text, user=customer,
  language=…, limit=5)` with text a sentence as typed: the relevance set's sentences and mixed queries, and
  the corpus's summaries (a line of description each).

The articles are made from bench/knowledge/articles.json, varied so that no two are copies: the title and
summary name a place, a model or version and a number, the body gains a step from another article of the
same language and an "applies to" line. ~90 % are live (the rest drafts), audiences mixed (70 % public, 20 %
customers, 5 % for one organisation's customers, 5 % staff only), published over three years, popularity
spread. They are bulk-inserted as rows (no versions or audit rows: the search reads neither), then
indexed by the search module's own rebuild (`search.articles.rebuild_articles`, what `servicedesk
reindex-search` runs) — the documents are the ones the app writes, only the article rows skip the actions.

`--no-load` measures the articles a previous run left (its largest size) again, without inserting or
re-indexing: a second sample of the same data when the machine is quieter.

Prints per database and size the p50 / p95 in ms and checks the goal: p95 under 100 ms, and the 100k p95
within 2× the 10k one.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import re
import statistics
import time

from bench.run import RESULTS, engine_env, log, manage, percentile

GOAL_MS, GOAL_RATIO = 100.0, 2.0

PLACES = [("总部", "head office"), ("北京分公司", "Beijing branch"), ("上海办公室", "Shanghai office"),
          ("深圳工厂", "Shenzhen plant"), ("研发中心", "R&D centre"), ("财务部", "Finance"), ("销售部", "Sales"),
          ("人事部", "HR"), ("二楼", "2nd floor"), ("三楼东侧", "3rd floor east"),
          ("五楼会议区", "5th floor meeting area"), ("仓库", "warehouse"), ("客服中心", "call centre"),
          ("成都分公司", "Chengdu branch"), ("新员工", "new starters")]
MODELS = ["ThinkPad T14 Gen 4", "Latitude 7440", "MacBook Air M2", "HP LaserJet M608", "Canon iR-ADV C5535",
          "Cisco 8845", "Windows 11 23H2", "Windows 10 22H2", "Outlook 2021", "Microsoft 365", "SAP S/4HANA 2023",
          "FortiClient 7.2", "企业微信 4.1", "钉钉 7.5", "飞书 7.8", "Poly Studio X50", "Yealink MeetingBar A20",
          "iPhone 15", "Android 14", "OA 3.2"]
EXTRA_ZH = ["如果问题仍未解决，请记下发生的时间并联系服务台。", "操作前请先保存正在编辑的文件。",
            "本文步骤适用于公司配发的设备，个人设备请咨询服务台。", "处理完成后请重启一次电脑确认问题已解决。",
            "涉及审批的步骤一般需要一到两个工作日。"]
EXTRA_EN = ["If the problem remains, note the time it happened and contact the service desk.",
            "Save any open work before you start.", "These steps are for company devices; ask the desk about "
            "personal ones.", "Restart once afterwards to make sure the fix holds.",
            "Steps that need an approval usually take one or two working days."]
STEP = re.compile(r"^\d+\. .*$", re.M)


# ---------------------------------------------------------------------------------------------
# Inside the bench database (`--child`)


def _setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicedesk.settings")
    import django

    django.setup()


def make_articles(start: int, stop: int, corpus: list[dict], people: dict, organisations: list[int],
                  seed: int) -> list:
    """Article rows `start` … `stop - 1`, each a variation of a corpus article (see the module's text)."""
    from django.utils import timezone

    from servicedesk.knowledge.models import Article, Audience, State

    rng = random.Random(seed + start)
    services, categories = _catalogue()
    steps = {lang: [s for a in corpus if a["language"] == lang for s in STEP.findall(a["body"])]
             for lang in ("en", "zh-hans")}
    now = timezone.now()
    rows = []
    for i in range(start, stop):
        base = corpus[i % len(corpus)]
        zh = base["language"] == "zh-hans"
        place = rng.choice(PLACES)[0 if zh else 1]
        model = rng.choice(MODELS)
        number = f"KB-{i:06d}"
        title = (f"{base['title']}（{place}，{model}）" if zh else f"{base['title']} ({place}, {model})")[:255]
        summary = (f"{base['summary']} 适用于{place}的 {model}，编号 {number}。" if zh else
                   f"{base['summary']} For {place}, {model}; {number}.")[:500]
        extra = rng.sample(steps[base["language"]], 1)[0].split(". ", 1)[1]
        body = (base["body"].rstrip() + f"\n{len(STEP.findall(base['body'])) + 1}. {extra}\n\n"
                + (f"适用范围：{place}，{model}。{rng.choice(EXTRA_ZH)}（{number}）\n" if zh else
                   f"Applies to: {place}, {model}. {rng.choice(EXTRA_EN)} ({number})\n"))
        roll = rng.random()
        audience = (Audience.PUBLIC if roll < 0.7 else Audience.CUSTOMERS if roll < 0.95 else Audience.STAFF)
        live = rng.random() < 0.9
        published = now - datetime.timedelta(days=rng.uniform(0, 3 * 365))
        service = services.get(base["service"])
        category = categories.get((base["service"], base["category"]))
        article = Article(
            language=base["language"], title=title, summary=summary, body=body, audience=audience,
            service=service, category=category, tags=base["tags"], owner=people["agent1"],
            created_by=people["agent1"], created_at=published, updated_at=published,
            state=State.PUBLISHED if live else State.DRAFT, is_live=live, popularity=rng.expovariate(0.3),
        )
        if live:
            article.reviewer = article.published_by = people["lead1"]
            article.live_version, article.published_at = 1, published
            article.live_title, article.live_summary, article.live_body = title, summary, body
        # One in five customers' articles is for one organisation only.
        article.only_for = rng.choice(organisations) if audience == Audience.CUSTOMERS and roll > 0.9 else None
        rows.append(article)
    return rows


def _catalogue():
    from bench.knowledge_corpus import catalogue

    return catalogue()


def top_up(size: int, corpus: list[dict], people: dict, seed: int, batch: int = 2000) -> None:
    from servicedesk.accounts.models import Organisation
    from servicedesk.knowledge.models import Article

    through = Article.organisations.through
    organisations = list(Organisation.objects.values_list("pk", flat=True))
    have = Article.objects.count()
    for start in range(have, size, batch):
        rows = make_articles(start, min(size, start + batch), corpus, people, organisations, seed)
        made = Article.objects.bulk_create(rows, batch_size=batch)
        through.objects.bulk_create([through(article_id=a.pk, organisation_id=a.only_for)
                                     for a in made if a.only_for])


def timed(call, texts: list[tuple[str, str]], samples: int, rng: random.Random) -> dict:
    for text, language in texts[:20]:
        call(text, language)
    times = []
    for _ in range(samples):
        text, language = rng.choice(texts)
        t = time.perf_counter()
        call(text, language)
        times.append((time.perf_counter() - t) * 1000)
    return {"p50": statistics.median(times), "p95": percentile(times, 95), "samples": samples}


def child(sizes: list[int], samples: int, seed: int, no_load: bool) -> None:
    _setup()
    from django.db import connection

    from bench import knowledge_corpus
    from servicedesk import search
    from servicedesk.accounts.models import User
    from servicedesk.knowledge.models import Article
    from servicedesk.search.articles import rebuild_articles
    from servicedesk.tickets.models import Ticket

    corpus = knowledge_corpus.articles()
    queries = knowledge_corpus.queries()
    people = {u.username: u for u in User.objects.filter(username__in=["agent1", "lead1", "customer1"])}
    customer = people["customer1"]

    def language(text: str) -> str:
        return "zh-hans" if re.search(r"[\u4e00-\u9fff]", text) else "en"

    search_texts = [(q["q"], q["language"]) for q in queries]
    typed = [q["q"] for q in queries if q["kind"] in ("sentence", "mixed")] + [a["summary"] for a in corpus]
    typed_texts = [(t, language(t)) for t in typed]
    if no_load:  # measure the articles (and index) a previous run left
        sizes = [Article.objects.count()]
    else:
        with connection.cursor() as cur:  # the bench's articles only: start from none
            for table in ("knowledge_articleversion", "knowledge_article_organisations", "knowledge_article"):
                cur.execute(f"DELETE FROM {table}")
    tickets = Ticket.objects.count()
    out = []
    for size in sizes:
        inserted = indexed = 0.0
        documents = Article.objects.filter(is_live=True).count()
        if not no_load:
            started = time.monotonic()
            top_up(size, corpus, people, seed)
            inserted = time.monotonic() - started
            started = time.monotonic()
            documents = rebuild_articles(batch=2000)
            with connection.cursor() as cur:
                cur.execute("ANALYZE knowledge_article" if connection.vendor == "postgresql" else "ANALYZE")
            indexed = time.monotonic() - started
        log(f"{connection.vendor}: {size:,} articles ({documents:,} live, indexed) — rows {inserted:.0f} s, "
            f"index {indexed:.0f} s")
        rng = random.Random(seed)
        result = {
            "vendor": connection.vendor, "articles": Article.objects.count(), "live": documents,
            "tickets": tickets, "insert_seconds": round(inserted, 1), "index_seconds": round(indexed, 1),
            "load_average": os.getloadavg()[0],
            "search": timed(lambda text, lang: search.find_articles(text, user=customer, language=lang, limit=10),
                            search_texts, samples, rng),
            "suggestion": timed(lambda text, lang: search.find_articles(text, user=customer, language=lang,
                                                                         limit=5),
                                typed_texts, samples, rng),
        }
        out.append(result)
        log(f"{connection.vendor}: {size:,} articles — search p50/p95 {result['search']['p50']:.1f} / "
            f"{result['search']['p95']:.1f} ms, suggestion {result['suggestion']['p50']:.1f} / "
            f"{result['suggestion']['p95']:.1f} ms")
    print(json.dumps(out))


# ---------------------------------------------------------------------------------------------
# Driving the databases


def run_engine(engine: str, args) -> list[dict]:
    env = engine_env(engine, args.server, args.db, args.sqlite_dir, fresh=bool(args.tickets))
    if args.tickets:
        log(f"{engine}: migrate, demo people and catalogue, {args.tickets:,} tickets")
        manage(env, "servicedesk", "migrate", "--noinput", "-v0")
        manage(env, "servicedesk", "demo", "--no-tickets", capture=True)
        manage(env, "bench.generate", "--tickets", str(args.tickets))
    out = manage(env, "bench.knowledge_speed", "--child", "--sizes", ",".join(map(str, args.sizes)),
                 "--samples", str(args.samples), "--seed", str(args.seed),
                 *(["--no-load"] if args.no_load else []), capture=True)
    return json.loads(out.strip().splitlines()[-1])


def report(results: list[dict]) -> tuple[str, list[str]]:
    lines = ["| database | articles (live) | tickets | search p50 / p95 ms | suggestion p50 / p95 ms | load avg |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for r in results:
        lines.append(f"| {r['vendor']} | {r['articles']:,} ({r['live']:,}) | {r['tickets']:,} | "
                     f"{r['search']['p50']:.1f} / {r['search']['p95']:.1f} | "
                     f"{r['suggestion']['p50']:.1f} / {r['suggestion']['p95']:.1f} | {r['load_average']:.1f} |")
    missed = []
    for vendor in sorted({r["vendor"] for r in results}):
        runs = sorted((r for r in results if r["vendor"] == vendor), key=lambda r: r["articles"])
        for figure in ("search", "suggestion"):
            for r in runs:
                if r[figure]["p95"] >= GOAL_MS:
                    missed.append(f"{vendor} {figure} at {r['articles']:,}: p95 {r[figure]['p95']:.1f} ms")
            if len(runs) > 1 and runs[-1][figure]["p95"] > GOAL_RATIO * runs[0][figure]["p95"]:
                missed.append(f"{vendor} {figure}: p95 {runs[-1][figure]['p95']:.1f} ms at "
                              f"{runs[-1]['articles']:,} > {GOAL_RATIO}× {runs[0][figure]['p95']:.1f} ms at "
                              f"{runs[0]['articles']:,}")
    return "\n".join(lines), missed


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="one database instead of both")
    parser.add_argument("--db", default="sd_bench", help="PostgreSQL bench database (dropped with --tickets!)")
    parser.add_argument("--sqlite-dir", default=str(RESULTS / "knowledge-sqlite"),
                        help="SQLite data directory of the bench desk")
    parser.add_argument("--tickets", type=int, default=0, help="make a fresh desk with this many tickets first")
    parser.add_argument("--sizes", default="10000,100000", help="article counts, growing")
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--no-load", action="store_true",
                        help="measure the articles a previous run left (no insert, no re-index)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.sizes = sorted(int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip())
    if args.child:
        child(args.sizes, args.samples, args.seed, args.no_load)
        return
    args.server = os.environ.get("DATABASE_URL", "")
    engines = [args.only] if args.only else ["sqlite", "postgresql"]
    if "postgresql" in engines and not args.server.startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL URL (its server hosts the bench database), "
                         "or pass --only sqlite.")
    results = [r for engine in engines for r in run_engine(engine, args)]
    text, missed = report(results)
    print(text)
    print(f"\nGoal (p95 < {GOAL_MS:.0f} ms, largest ≤ {GOAL_RATIO}× smallest): "
          + ("; ".join(missed) if missed else "met"))


if __name__ == "__main__":
    main()
