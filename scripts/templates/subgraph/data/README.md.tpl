# __name__ data

`__name__-facts.csv`: one row per fact a source states, loaded by the seed (and by
`npm run load -- __name__ __name___fact <file>`), every row validated before anything loads.

| column | meaning |
| --- | --- |
| `id` | stable id, e.g. `__name__.QJM.1` (the upsert key) |
| `stp_code` | the STP's ODS code (geography owns `Stp`) |
| `kind` | what the fact is, in capitals, e.g. `VACANCY_RATE` |
| `value`, `unit` | the number and its unit as stated; empty where the source states none |
| `qualifier` | how the source hedges it (`≈`, `average`, `about`); empty if it does not; the API's `approximate` is true for hedges that make the number an estimate (`≈`, `about`, `circa`), not for `average` |
| `statement` | the verbatim words on the cited line that state the fact |
| `source_document`, `source_line` | the document under `infra/sources/` (one the kit names in `SOURCE`) and the 1-based line |

The example row cites the title line (line 5) of the Lincolnshire paper; replace it with real facts.
