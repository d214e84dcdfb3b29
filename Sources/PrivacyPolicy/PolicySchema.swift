/// The JSON Schema (draft 2020-12) of policy format version 1, printed by
/// `opendata policy schema` for editors and validators. `PolicyLoader` is the
/// authority (it also checks cross-references and the store); a test validates
/// the reference policies against this schema with Python's jsonschema.
public enum PolicySchema {
    public static let json = #"""
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://opendata.example/policy-1.schema.json",
  "title": "opendata privacy policy, format 1",
  "type": "object",
  "additionalProperties": false,
  "required": ["policy", "dataset", "source", "columns", "outputs", "budget"],
  "properties": {
    "policy": {"const": 1, "description": "Format version."},
    "dataset": {
      "type": "object", "additionalProperties": false,
      "required": ["id", "title", "description", "publisher", "contact", "license"],
      "properties": {
        "id": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$", "description": "Names the release folder."},
        "title": {"type": "string", "minLength": 1},
        "description": {"type": "string", "minLength": 1},
        "publisher": {"type": "string", "minLength": 1},
        "contact": {"type": "string", "minLength": 1},
        "license": {"type": "string", "minLength": 1, "description": "SPDX identifier, e.g. CC-BY-4.0."},
        "keywords": {"type": "array", "items": {"type": ["string", "number", "boolean"]}, "description": "Catalog keywords; YAML reads 911 as a number, which is accepted as the text 911."},
        "frequency": {"type": "string"},
        "guarantee": {"enum": ["differential_privacy", "k_anonymity"],
                      "description": "Release-level guarantee. differential_privacy (default) needs every record-level output to carry privacy; k_anonymity publishes plain k-anonymous records and calls nothing differentially private."}
      }
    },
    "source": {
      "type": "object", "additionalProperties": false, "required": ["table", "window_by", "timezone"],
      "properties": {
        "table": {"type": "string", "minLength": 1},
        "window_by": {"type": "string", "minLength": 1, "description": "Timestamp column placing each record in a window."},
        "timezone": {"type": "string", "minLength": 1, "description": "IANA zone whose calendar days are the windows."}
      }
    },
    "retention": {
      "type": "object", "additionalProperties": false, "required": ["delete_after", "measured_from"],
      "properties": {
        "delete_after": {"type": "string", "pattern": "^[1-9][0-9]* (day|days|month|months|year|years)$"},
        "measured_from": {"type": "string"},
        "keep_if": {"type": "string", "description": "Boolean column; records where it is true are never deleted."},
        "max_share_per_run": {"$ref": "#/$defs/share", "description": "Largest share of the table one run may delete without --confirm-mass-deletion (default 10%)."}
      }
    },
    "columns": {
      "type": "object", "minProperties": 1, "description": "Every column of the source table (deny by default).",
      "additionalProperties": {
        "oneOf": [
          {"enum": ["drop", "keep", "privacy_unit", "pseudonymize", "sensitive"]},
          {"type": "object", "additionalProperties": false, "required": ["generalize"],
           "properties": {"generalize": {"$ref": "#/$defs/hierarchy"}}},
          {"type": "object", "additionalProperties": false, "required": ["privacy_unit"],
           "properties": {"privacy_unit": {"type": "object", "additionalProperties": false, "required": ["population"],
                          "properties": {"population": {"type": "string", "pattern": "^[a-z0-9]+([-_.][a-z0-9]+)*$", "description": "Ledger namespace shared by every policy over the same people."}}}}},
          {"type": "object", "additionalProperties": false, "required": ["insensitive"],
           "properties": {"insensitive": {"type": "string", "minLength": 1, "description": "Why the column cannot identify anyone; published as is in record files, printed in every report."}}}
        ]
      }
    },
    "exclude": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": ["string", "number"]}}},
    "publish_only": {"type": "object", "description": "Columns whose published values are limited to a list; a record with any other value is withheld and counted in the steward's log.", "additionalProperties": {"type": "array", "minItems": 1, "items": {"type": ["string", "number"]}}},
    "derived": {
      "type": "object",
      "additionalProperties": {
        "type": "object", "additionalProperties": false, "required": ["seconds_between"],
        "properties": {"seconds_between": {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 2}}
      }
    },
    "map": {
      "type": "object", "additionalProperties": false, "required": ["boundaries", "column"],
      "description": "The dashboard's choropleth: counts per region of a grouping column in the latest release.",
      "properties": {"boundaries": {"type": "string", "description": "GeoJSON FeatureCollection, relative to the policy."},
                     "column": {"type": "string"}, "property": {"type": "string"}, "output": {"type": "string"}}
    },
    "outputs": {"type": "array", "minItems": 1, "items": {"oneOf": [{"$ref": "#/$defs/microdata"}, {"$ref": "#/$defs/aggregate"}, {"$ref": "#/$defs/disparity"}]}},
    "budget": {
      "type": "object", "additionalProperties": false, "required": ["per_release_epsilon"],
      "properties": {
        "per_release_epsilon": {"type": "number", "exclusiveMinimum": 0},
        "rolling_365_day_epsilon": {"type": "number", "exclusiveMinimum": 0, "description": "Per person over any 365-day span; people who would pass it are left out of a release."},
        "rolling_365_day_delta": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1}
      }
    }
  },
  "$defs": {
    "levels": {"type": "array", "minItems": 1, "items": {"type": "integer", "minimum": 0}},
    "hierarchy": {
      "type": "object", "additionalProperties": false, "minProperties": 1,
      "properties": {
        "time": {"type": "array", "minItems": 1, "items": {"enum": ["hour", "day", "week", "month", "quarter", "year"]}},
        "bands": {"$ref": "#/$defs/levels"},
        "top": {"type": "integer", "minimum": 1},
        "street_block": {"$ref": "#/$defs/levels"},
        "prefix": {"$ref": "#/$defs/levels"},
        "round": {"$ref": "#/$defs/levels"},
        "file": {"type": "string", "description": "ARX hierarchy file, relative to the policy."}
      }
    },
    "share": {"oneOf": [{"type": "number", "minimum": 0, "maximum": 1}, {"type": "string", "pattern": "^[0-9.]+ ?%$"}]},
    "microdata": {
      "type": "object", "additionalProperties": false, "required": ["id", "kind", "columns"],
      "anyOf": [{"required": ["k"]}, {"required": ["privacy"]}],
      "properties": {
        "id": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"},
        "title": {"type": "string"},
        "kind": {"const": "microdata"},
        "columns": {"type": "array", "minItems": 1, "items": {"type": "string"}},
        "k": {"type": "integer", "minimum": 2},
        "l_diversity": {
          "type": "object", "additionalProperties": false, "required": ["column", "l"],
          "properties": {"column": {"type": "string"}, "l": {"type": "number", "minimum": 1},
                         "variant": {"enum": ["distinct", "entropy", "grassberger", "recursive"]}, "c": {"type": "number", "exclusiveMinimum": 0}}
        },
        "t_closeness": {
          "type": "object", "additionalProperties": false, "required": ["column", "t"],
          "properties": {"column": {"type": "string"}, "t": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
                         "distance": {"enum": ["equal", "ordered", "hierarchical"]}}
        },
        "max_suppression": {"$ref": "#/$defs/share"},
        "metric": {"enum": ["entropy", "entropy-nm", "loss", "discernibility", "dm-star", "aecs"]},
        "recoding": {"enum": ["global", "local"],
                     "description": "global: one generalisation for every record; local: the records it would suppress are generalised again on their own, round by round (k-anonymous files only, not with privacy)."},
        "gs_factor": {"$ref": "#/$defs/share",
                      "description": "ARX's generalisation/suppression factor of the loss metric (default 0.5; lower makes suppression cheaper, which local recoding then undoes)."},
        "privacy": {
          "type": "object", "additionalProperties": false, "required": ["epsilon", "delta"],
          "description": "Differentially private record-level release (SafePub): records sampled, a generalisation chosen by the exponential mechanism, classes below the derived k suppressed.",
          "properties": {"epsilon": {"type": "number", "minimum": 0.01, "maximum": 10},
                         "delta": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 0.001}}
        },
        "generalization": {
          "type": "object", "minProperties": 1,
          "description": "With privacy: the level each published column is shown at, fixed by the policy, so nothing is searched and the whole epsilon pays for sampling. A level in the words of the column's builder (a time unit, a band width, a block size or street, a prefix mask, decimal places, a hierarchy file's level number), value (as it is; not for time or street_block) or \"*\" (removed). Every generalised column must be named; a column without a hierarchy defaults to value.",
          "additionalProperties": {"oneOf": [{"type": "string", "minLength": 1}, {"type": "integer", "minimum": 0}]}
        }
      },
      "dependentRequired": {"generalization": ["privacy"]}
    },
    "statistic": {
      "oneOf": [
        {"const": "count"},
        {"type": "object", "additionalProperties": false, "required": ["bounds"],
         "minProperties": 2,
         "properties": {"sum": {"type": "string"}, "mean": {"type": "string"}, "median": {"type": "string"},
                        "quantile": {"type": "string"}, "q": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
                        "bounds": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
                        "missing": {"enum": ["skip", "refuse"],
                                    "description": "skip (default): records without a value are left out of the statistic; refuse: the column is never missing, so a mean divides by the output's count (more accurate), and a record without a value stops the release."},
                        "grid": {"const": "log",
                                 "description": "median and quantile only, bounds from 0 up: choose among 200 log-spaced candidates over the bounds instead of every whole number (far more accurate for small groups; a few percent of relative resolution)."}}}
      ]
    },
    "aggregate": {
      "type": "object", "additionalProperties": false, "required": ["id", "kind", "group_by", "statistics", "privacy"],
      "properties": {
        "id": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"},
        "title": {"type": "string"},
        "kind": {"const": "aggregate"},
        "group_by": {"type": "array", "items": {"oneOf": [{"type": "string"},
                     {"type": "object", "minProperties": 1, "maxProperties": 1, "additionalProperties": {"type": "string"}}]}},
        "keys": {"type": "object", "additionalProperties": {"oneOf": [{"const": "private"},
                 {"type": "array", "items": {"type": ["string", "number"]}},
                 {"type": "object", "additionalProperties": false, "required": ["private"],
                  "description": "Private keys with a category hierarchy: the values partition selection does not publish are counted under their category (every category published, zeros included), with roll_up.share of the output's epsilon (default 20%). A value the file does not list counts under roll_up.unlisted (default 'Not in the hierarchy').",
                  "properties": {"private": {"const": true},
                                 "roll_up": {"oneOf": [{"type": "string", "description": "value;category file (ARX format; # comment lines allowed), relative to the policy's folder"},
                                                       {"type": "object", "additionalProperties": false, "required": ["file"],
                                                        "properties": {"file": {"type": "string"},
                                                                       "share": {"type": ["number", "string"], "description": "Share of the output's epsilon for the category counts, above 0 and at most 60% (e.g. 20% or 0.2)."},
                                                                       "unlisted": {"type": "string", "description": "Category of a value the file does not list."},
                                                                       "members": {"enum": ["public", "private"], "description": "public: the file is a published code list and the privacy report names the values in each category; private (default): the report gives only how many, so a file built from the data does not publish which rare values occur."}}}]}}}]}},
        "statistics": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/statistic"}},
        "weights": {"type": "object", "additionalProperties": {"type": "number", "minimum": 0.000001, "maximum": 1000000},
                    "description": "Relative share of the output's epsilon per statistic, keyed by published column (count, mean_<column>, median_<column>, ...). Unnamed statistics keep their default weight, which minimises the total relative error."},
        "totals_over": {"type": "array", "uniqueItems": true, "items": {"enum": ["week", "month", "quarter", "year"]},
                        "description": "Publish totals of the counts and sums per period, each with one noise (not a sum of daily noises), as outputs <id>-weekly, -monthly, -quarterly, -yearly when each period ends; the output's epsilon is split evenly between the daily table and each level. Needs a time column grouped by day and public keys."},
        "contribution": {
          "description": "Each person's contribution: at most groups_per_unit groups and rows_per_unit_per_group rows in each. auto (for both, or for either) chooses the bound each release as a DP 90th percentile of what people contribute (1 to 8), with 10% of the output's epsilon; not with totals_over.",
          "oneOf": [
            {"const": "auto"},
            {"type": "object", "additionalProperties": false, "required": ["groups_per_unit", "rows_per_unit_per_group"],
             "properties": {"groups_per_unit": {"oneOf": [{"type": "integer", "minimum": 1}, {"const": "auto"}]},
                            "rows_per_unit_per_group": {"oneOf": [{"type": "integer", "minimum": 1}, {"const": "auto"}]}}}
          ]
        },
        "privacy": {
          "type": "object", "additionalProperties": false,
          "properties": {"epsilon": {"type": "number", "exclusiveMinimum": 0}, "rho": {"type": "number", "exclusiveMinimum": 0},
                         "delta": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1}},
          "oneOf": [{"required": ["epsilon"]}, {"required": ["rho", "delta"]}]
        }
      }
    },
    "disparity": {
      "type": "object", "additionalProperties": false, "required": ["id", "kind", "compare", "outcome", "privacy"],
      "properties": {
        "id": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"},
        "title": {"type": "string"},
        "kind": {"const": "disparity"},
        "compare": {"type": "string"},
        "period": {"type": "object", "minProperties": 1, "maxProperties": 1, "additionalProperties": {"type": "string"}},
        "keys": {"type": "array", "minItems": 1, "items": {"type": ["string", "number"]}},
        "outcome": {
          "type": "object", "additionalProperties": false, "required": ["column"],
          "properties": {"column": {"type": "string"}, "is": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": ["string", "number"]}}]},
                         "at_most": {"type": "number"}, "at_least": {"type": "number"},
                         "among": {"type": "array", "items": {"type": ["string", "number"]}}},
          "oneOf": [{"required": ["is"]}, {"required": ["at_most"]}, {"required": ["at_least"]}]
        },
        "reference": {"type": ["string", "number"]},
        "min_group_size": {"type": "integer", "minimum": 1},
        "contribution": {
          "type": "object", "additionalProperties": false, "required": ["groups_per_unit", "rows_per_unit_per_group"],
          "properties": {"groups_per_unit": {"type": "integer", "minimum": 1}, "rows_per_unit_per_group": {"type": "integer", "minimum": 1}}
        },
        "privacy": {
          "type": "object", "additionalProperties": false, "required": ["epsilon"],
          "properties": {"epsilon": {"type": "number", "exclusiveMinimum": 0}}
        }
      }
    }
  }
}
"""#
}
