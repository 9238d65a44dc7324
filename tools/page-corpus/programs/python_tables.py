# A program holding tables: dicts, JSON and an in-memory sqlite database.
import json, random, sqlite3, sys
random.seed(1)
words = ["".join(random.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(random.randint(3, 10))) for _ in range(5000)]
names = {f"user{i}": " ".join(random.choice(words) for _ in range(6)) for i in range(60000)}
records = [{"id": i, "name": random.choice(words), "score": random.random(), "tags": random.sample(words, 3)} for i in range(30000)]
text = json.dumps(records)
parsed = json.loads(text)
db = sqlite3.connect(":memory:")
db.execute("create table t (id integer primary key, name text, score real, doc text)")
db.executemany("insert into t values (?, ?, ?, ?)", ((r["id"], r["name"], r["score"], json.dumps(r)) for r in records))
db.execute("create index t_name on t (name)")
db.commit()
rows = db.execute("select name, count(*), avg(score) from t group by name").fetchall()
print("ready", flush=True)
sys.stdin.read()
