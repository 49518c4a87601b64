// Purpose: one node per person. A uniqueness constraint on :Person(id), created before any
//   MERGE; it is also the index every load and query uses to find a person.
// Columns: (none)
CREATE CONSTRAINT ror_person_id IF NOT EXISTS FOR (p:Person) REQUIRE p.id IS UNIQUE
