import { DuckDBInstance } from '@duckdb/node-api'

/**
 * The demo's warehouse: a DuckDB file with customers and their events, generated in SQL (nothing held
 * in JS) and deterministic, so every newcomer sees the same numbers. It is realistic on purpose:
 * - every 400th customer has no customer_id (tracked as NULL, never sent),
 * - every 450th repeats the previous customer's id (both tracked as DUPLICATE),
 * - every 173rd has an email without an @ and every 997th a company name over 255 characters, which
 *   Braze refuses per record (rejected, with Braze's reason),
 * - every 613th has no last name, which Salesforce requires on a Contact.
 */

const FIRST = `['Ada','Grace','Alan','Edsger','Barbara','Donald','Margaret','Ken','Frances','Linus','Radia','John','Sophie','Tim','Hedy','Dennis','Katherine','Guido','Anita','Bjarne','Karen','Niklaus','Joan','Leslie','Mary','Yukihiro','Shafi','Brendan','Lynn','James']`
const LAST = `['Lovelace','Hopper','Turing','Dijkstra','Liskov','Knuth','Hamilton','Thompson','Allen','Torvalds','Perlman','McCarthy','Wilson','Berners-Lee','Lamarr','Ritchie','Johnson','van Rossum','Borg','Stroustrup','Jones','Wirth','Clarke','Lamport','Keller','Matsumoto','Goldwasser','Eich','Conway','Gosling']`
const COUNTRIES = `['US','US','US','GB','DE','FR','CA','NL','SE','ES','IT','BR','IN','JP','AU']`
const CITIES = `['New York','San Francisco','Austin','London','Berlin','Paris','Toronto','Amsterdam','Stockholm','Madrid','Milan','São Paulo','Bangalore','Tokyo','Sydney']`
const PLANS = `['free','free','free','starter','starter','pro','pro','enterprise']`
const EVENTS = `['signed_up','viewed_pricing','started_trial','order_completed','order_completed','invited_teammate']`

/** One customer row from its surrogate key `id` (a bigint column in scope). */
const customerColumns = `
  id,
  CASE
    WHEN id % 400 = 0 THEN NULL
    WHEN id % 450 = 0 THEN 'cus_' || lpad((id - 1)::VARCHAR, 7, '0')
    ELSE 'cus_' || lpad(id::VARCHAR, 7, '0')
  END AS customer_id,
  ${FIRST}[(hash(id * 7 + 1) % 30)::INTEGER + 1] AS first_name,
  CASE WHEN id % 613 = 0 THEN NULL ELSE ${LAST}[(hash(id * 7 + 2) % 30)::INTEGER + 1] END AS last_name,
  lower(replace(${FIRST}[(hash(id * 7 + 1) % 30)::INTEGER + 1] || '.' || ${LAST}[(hash(id * 7 + 2) % 30)::INTEGER + 1], ' ', ''))
    || '.' || id::VARCHAR || CASE WHEN id % 173 = 0 THEN '.example.com' ELSE '@example.com' END AS email,
  '+1555' || lpad((hash(id * 7 + 3) % 10000000)::VARCHAR, 7, '0') AS phone,
  ${COUNTRIES}[(hash(id * 7 + 4) % 15)::INTEGER + 1] AS country,
  ${CITIES}[(hash(id * 7 + 4) % 15)::INTEGER + 1] AS city,
  ${PLANS}[(hash(id * 7 + 5) % 8)::INTEGER + 1] AS plan,
  ((hash(id * 7 + 6) % 500000) / 100.0)::DECIMAL(12, 2) AS lifetime_value,
  hash(id * 7 + 7) % 3 <> 0 AS marketing_opt_in,
  CASE WHEN id % 997 = 0 THEN repeat('Very Long Company Name Incorporated ', 8) ELSE
    ${LAST}[(hash(id * 7 + 8) % 30)::INTEGER + 1] || ' ' || ['Labs','Systems','GmbH','Ltd','Inc','Studio'][(hash(id * 7 + 9) % 6)::INTEGER + 1]
  END AS company,
  TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds((hash(id * 7 + 10) % 60000000)::BIGINT) AS signed_up_at,
  TIMESTAMPTZ '2026-11-01 00:00:00+00' AS updated_at`

/** Events for customers whose surrogate key is in [first, last]: 0 to 5 each. */
const eventsFor = (first: number, last: number, after: string) => `
  INSERT INTO events
  SELECT
    c.id * 10 + k AS event_id,
    c.customer_id,
    ${EVENTS}[(hash(c.id * 13 + k) % 6)::INTEGER + 1] AS name,
    ${after} + to_seconds((hash(c.id * 17 + k) % 2000000)::BIGINT) AS occurred_at,
    json_object('amount', ((hash(c.id * 19 + k) % 20000) / 100.0)::DECIMAL(10, 2), 'currency', 'USD') AS properties
  FROM customers c, range(0, (hash(c.id * 11) % 6)::INTEGER) AS r(k)
  WHERE c.id BETWEEN ${first} AND ${last}`

/** The model every demo sync reads: one row per customer with their order activity. */
export const CUSTOMERS_MODEL_SQL = `SELECT
  c.customer_id, c.email, c.first_name, c.last_name, c.phone, c.country, c.city, c.plan,
  c.lifetime_value, c.marketing_opt_in, c.company, c.signed_up_at,
  coalesce(o.orders, 0) AS orders, o.last_order_at
FROM customers c
LEFT JOIN (
  SELECT customer_id, count(*) AS orders, max(occurred_at) AS last_order_at
  FROM events WHERE name = 'order_completed' GROUP BY customer_id
) o ON o.customer_id = c.customer_id`

export interface WarehouseFacts {
  customers: number
  events: number
}

type Run = (sql: string) => Promise<void>
type ReadOne = (sql: string) => Promise<Record<string, number>>

async function withDatabase<T>(path: string, work: (run: Run, readOne: ReadOne) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(path)
  const connection = await instance.connect()
  try {
    return await work(
      async (sql) => {
        await connection.run(sql)
      },
      async (sql) => (await connection.runAndReadAll(sql)).getRowObjectsJson()[0] as Record<string, number>,
    )
  } finally {
    connection.closeSync()
    instance.closeSync()
  }
}

const FACTS_SQL =
  'SELECT (SELECT count(*) FROM customers)::INTEGER AS customers, (SELECT count(*) FROM events)::INTEGER AS events'

/** Creates (or recreates) the demo warehouse with `customers` customers and their events. */
export async function createDemoWarehouse(path: string, customers: number): Promise<WarehouseFacts> {
  return withDatabase(path, async (run, readOne) => {
    await run('DROP TABLE IF EXISTS events')
    await run('DROP TABLE IF EXISTS customers')
    await run(`CREATE TABLE customers AS SELECT ${customerColumns} FROM range(1, ${customers + 1}) AS t(id)`)
    await run(
      'CREATE TABLE events (event_id BIGINT, customer_id VARCHAR, name VARCHAR, occurred_at TIMESTAMPTZ, properties JSON)',
    )
    await run(eventsFor(1, customers, `TIMESTAMPTZ '2026-01-01 00:00:00+00'`))
    const facts = await readOne(FACTS_SQL)
    return { customers: facts.customers!, events: facts.events! }
  })
}

export interface ChangeFacts extends WarehouseFacts {
  inserted: number
  updated: number
  deleted: number
  fixedEmails: number
}

const UPDATED = 'id % 25 = 3'
const FIXED = 'id % 173 = 0 AND id % 2 = 0'
const DELETED = 'id % 100 = 7'

/**
 * A day in the life of the warehouse: 2% new customers, 4% change plan or spend, 1% leave, and half of
 * the broken emails are fixed (so their earlier rejections succeed when they are retried).
 */
export async function changeDemoWarehouse(path: string): Promise<ChangeFacts> {
  return withDatabase(path, async (run, readOne) => {
    const before = await readOne(
      `SELECT max(id)::BIGINT AS max_id, count(*)::INTEGER AS customers,
        count(*) FILTER (WHERE ${UPDATED})::INTEGER AS updated,
        count(*) FILTER (WHERE ${FIXED})::INTEGER AS fixed,
        count(*) FILTER (WHERE ${DELETED})::INTEGER AS deleted
      FROM customers`,
    )
    const first = Number(before.max_id) + 1
    const inserted = Math.max(1, Math.round(before.customers! * 0.02))
    const newColumns = customerColumns.replace(
      "TIMESTAMPTZ '2026-11-01 00:00:00+00' AS updated_at",
      'now() AS updated_at',
    )
    await run(`INSERT INTO customers SELECT ${newColumns} FROM range(${first}, ${first + inserted}) AS t(id)`)
    await run(eventsFor(first, first + inserted - 1, `TIMESTAMPTZ '2026-11-20 00:00:00+00'`))
    await run(`UPDATE customers SET
        plan = CASE plan WHEN 'free' THEN 'starter' WHEN 'starter' THEN 'pro' ELSE 'enterprise' END,
        lifetime_value = lifetime_value + 42.50, updated_at = now()
      WHERE ${UPDATED}`)
    await run(`UPDATE customers SET email = replace(email, '.example.com', '@example.com'), updated_at = now()
      WHERE ${FIXED}`)
    await run(`DELETE FROM customers WHERE ${DELETED}`)
    const after = await readOne(FACTS_SQL)
    return {
      customers: after.customers!,
      events: after.events!,
      inserted,
      updated: before.updated!,
      deleted: before.deleted!,
      fixedEmails: before.fixed!,
    }
  })
}
