/// A table with every type wh-extract maps, its expected NDJSON, and what ODBC drivers differ on.
enum AllTypesFixture {
    static func createSQL(_ table: String) -> String {
        """
        DROP TABLE IF EXISTS \(table);
        CREATE TABLE \(table) (
          id int4, small int2, big int8, num numeric(38,10), num_nan numeric, f4 float4, f8 float8, ok bool,
          name text, vc varchar(10), ch char(3), u uuid, j json, jb jsonb, d date, ts timestamp, tstz timestamptz,
          tm time, iv interval, by bytea, ai int4[], at text[], "MixedCase" text, "with space" int);
        INSERT INTO \(table) VALUES
         (1, 2, 9223372036854775807, 1234567890123456789012345678.0123456789, 'NaN', 1.5, 0.1, true,
          E'Zoë "quoted" \\\\ back\\nline\\ttab 🎉', 'abc', 'x', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
          '{"a": [1, 2.50, {"b": null}],
            "big": 123456789012345678901234567890}', '{"z": 1, "a": "ü"}', '2024-02-29', '2024-01-02 03:04:05.123456',
          '2024-01-02 03:04:05+05:30', '12:34:56', '1 day 2 hours', '\\xdeadbeef', '{1,2,NULL}', '{"a b","c\\"d",NULL}', 'M', 7),
         (2, NULL, -9223372036854775808, -0.5, 'Infinity', 'NaN', '-Infinity', false, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
          '2024-06-01 00:00:00', '2024-06-01 00:00:00-07', NULL, NULL, '\\x', '{}', '{}', NULL, NULL);
        """
    }

    static let expected = """
        {"id":1,"small":2,"big":9223372036854775807,"num":1234567890123456789012345678.0123456789,"num_nan":"NaN","f4":1.5,"f8":0.1,"ok":true,"name":"Zoë \\"quoted\\" \\\\ back\\nline\\ttab 🎉","vc":"abc","ch":"x  ","u":"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11","j":{"a":[1,2.50,{"b":null}],"big":123456789012345678901234567890},"jb":{"a":"ü","z":1},"d":"2024-02-29","ts":"2024-01-02T03:04:05.123456Z","tstz":"2024-01-01T21:34:05Z","tm":"12:34:56","iv":"P1DT2H","by":"3q2+7w==","ai":[1,2,null],"at":["a b","c\\"d",null],"MixedCase":"M","with space":7}
        {"id":2,"small":null,"big":-9223372036854775808,"num":-0.5000000000,"num_nan":"Infinity","f4":"NaN","f8":"-Infinity","ok":false,"name":null,"vc":null,"ch":null,"u":null,"j":null,"jb":null,"d":null,"ts":"2024-06-01T00:00:00Z","tstz":"2024-06-01T07:00:00Z","tm":null,"iv":null,"by":"","ai":[],"at":[],"MixedCase":null,"with space":null}

        """

    /// psqlODBC reports json, jsonb and array columns as type 'unknown', so through ODBC they
    /// arrive as their text (documented in the README).
    static let odbcOnlyTextColumns = ["j", "jb", "ai", "at"]
}
