namespace City.Protocols.Snmp.Tests;

/// <summary>Packets captured on this machine from net-snmp 5.9.3 tools (`-d` hex dumps) against a throwaway snmpd.</summary>
internal static class NetSnmpCaptures
{
    /// <summary>snmpget -v2c -c public 1.3.6.1.2.1.1.5.0</summary>
    public const string V2cGetRequest = "30 29 02 01 01 04 06 70 75 62 6C 69 63 A0 1C 02 04 10 7F 37 9A 02 01 00 02 01 00 30 0E 30 0C 06 08 2B 06 01 02 01 01 05 00 05 00";

    /// <summary>snmpd's answer: sysName.0 = "vm".</summary>
    public const string V2cGetResponse = "30 2B 02 01 01 04 06 70 75 62 6C 69 63 A2 1E 02 04 10 7F 37 9A 02 01 00 02 01 00 30 10 30 0E 06 08 2B 06 01 02 01 01 05 00 04 02 76 6D";

    /// <summary>snmpbulkget -v2c -Cn1 -Cr3 1.3.6.1.2.1.1.3 1.3.6.1.2.1.2.2.1.1</summary>
    public const string V2cGetBulkRequest = "30 37 02 01 01 04 06 70 75 62 6C 69 63 A5 2A 02 04 4F E6 8C 9B 02 01 01 02 01 03 30 1C 30 0B 06 07 2B 06 01 02 01 01 03 05 00 30 0D 06 09 2B 06 01 02 01 02 02 01 01 05 00";

    public const string V2cGetBulkResponse = "30 5E 02 01 01 04 06 70 75 62 6C 69 63 A2 51 02 04 4F E6 8C 9B 02 01 00 02 01 00 30 43 30 0E 06 08 2B 06 01 02 01 01 03 00 43 02 02 1D 30 0F 06 0A 2B 06 01 02 01 02 02 01 01 01 02 01 01 30 0F 06 0A 2B 06 01 02 01 02 02 01 01 02 02 01 02 30 0F 06 0A 2B 06 01 02 01 02 02 01 01 03 02 01 03";

    /// <summary>snmptrap -v1 -c public HOST 1.3.6.1.4.1.1206 10.1.2.3 6 17 1234 1.3.6.1.4.1.1206.4.2.1.3.9.0 i 128</summary>
    public const string V1Trap = "30 3D 02 01 00 04 06 70 75 62 6C 69 63 A4 30 06 07 2B 06 01 04 01 89 36 40 04 0A 01 02 03 02 01 06 02 01 11 43 02 04 D2 30 15 30 13 06 0D 2B 06 01 04 01 89 36 04 02 01 03 09 00 02 02 00 80";

    /// <summary>
    /// snmptrap -v2c -c public HOST 4321 1.3.6.1.4.1.1206.0.1 with s cab1, c 4294967295, C 18446744073709551615,
    /// a 192.168.0.1, o 1.3.6, x DEADBEEF, u 7.
    /// </summary>
    public const string V2Trap =
        "30 81 BF 02 01 01 04 06 70 75 62 6C 69 63 A7 81 B1 02 04 59 C4 6F 7E 02 01 00 02 01 00 30 81 A2 " +
        "30 0E 06 08 2B 06 01 02 01 01 03 00 43 02 10 E1 30 17 06 0A 2B 06 01 06 03 01 01 04 01 00 06 09 " +
        "2B 06 01 04 01 89 36 00 01 30 10 06 08 2B 06 01 02 01 01 05 00 04 04 63 61 62 31 30 10 06 07 2B " +
        "06 01 04 01 09 01 41 05 00 FF FF FF FF 30 14 06 07 2B 06 01 04 01 09 02 46 09 00 FF FF FF FF FF " +
        "FF FF FF 30 0F 06 07 2B 06 01 04 01 09 03 40 04 C0 A8 00 01 30 0D 06 07 2B 06 01 04 01 09 04 06 " +
        "02 2B 06 30 0F 06 07 2B 06 01 04 01 09 05 04 04 DE AD BE EF 30 0C 06 07 2B 06 01 04 01 09 06 42 " +
        "01 07";

    /// <summary>snmpget -v3 discovery probe: noAuthNoPriv, reportable, empty engine id and user, empty varbind list.</summary>
    public const string V3DiscoveryRequest =
        "30 3E 02 01 03 30 11 02 04 35 1A A0 DA 02 03 00 FF E3 04 01 04 02 01 03 04 10 30 0E 04 00 02 01 " +
        "00 02 01 00 04 00 04 00 04 00 30 14 04 00 04 00 A0 0E 02 04 18 42 88 BA 02 01 00 02 01 00 30 00";

    /// <summary>snmpd's Report: usmStatsUnknownEngineIDs.0 = Counter32 1, engine id 80001F8880674C9302D36A086B00000000, boots 1, time 5.</summary>
    public const string V3DiscoveryReport =
        "30 71 02 01 03 30 11 02 04 35 1A A0 DA 02 03 00 FF E3 04 01 00 02 01 03 04 21 30 1F 04 11 80 00 " +
        "1F 88 80 67 4C 93 02 D3 6A 08 6B 00 00 00 00 02 01 01 02 01 05 04 00 04 00 04 00 30 36 04 11 80 " +
        "00 1F 88 80 67 4C 93 02 D3 6A 08 6B 00 00 00 00 04 00 A8 1F 02 04 18 42 88 BA 02 01 00 02 01 00 " +
        "30 11 30 0F 06 0A 2B 06 01 06 03 0F 01 01 04 00 41 01 01";

    public const string V3EngineId = "80 00 1F 88 80 67 4C 93 02 D3 6A 08 6B 00 00 00 00";

    /// <summary>
    /// snmpget -v3 -u alice -l authPriv -a SHA-256 -A alicepassword -x AES -X alicepriv1 1.3.6.1.2.1.1.6.0 (to the engine above).
    /// </summary>
    public const string V3AuthPrivGetRequest =
        "30 81 95 02 01 03 30 11 02 04 35 1A A0 D9 02 03 00 FF E3 04 01 07 02 01 03 04 46 30 44 04 11 80 " +
        "00 1F 88 80 67 4C 93 02 D3 6A 08 6B 00 00 00 00 02 01 01 02 01 05 04 05 61 6C 69 63 65 04 18 6A " +
        "0D 64 8C 5E 8D 96 33 C5 7B CE C0 C8 F3 E6 C2 3D D1 EF 0D A1 6A 0D 13 04 08 EB FF 1C A3 65 B8 0E " +
        "1E 04 35 94 22 BE 46 7C 0E E4 A2 43 52 A3 95 1B 6E C5 25 B0 18 15 81 23 01 4A 21 01 48 F7 C8 C5 " +
        "F4 5E 3E AE E1 08 3E 85 1C 9B A4 5B BB B9 76 1D B2 0B 57 00 12 E8 06 FA";

    /// <summary>snmpd's authPriv Response: sysLocation.0 = "cabinet 12".</summary>
    public const string V3AuthPrivGetResponse =
        "30 81 9F 02 01 03 30 11 02 04 35 1A A0 D9 02 03 00 FF E3 04 01 03 02 01 03 04 46 30 44 04 11 80 " +
        "00 1F 88 80 67 4C 93 02 D3 6A 08 6B 00 00 00 00 02 01 01 02 01 05 04 05 61 6C 69 63 65 04 18 84 " +
        "67 AD 5D 15 0C 17 ED 3A 5D 34 0A 61 AC 40 85 11 3D 34 61 A5 21 26 4B 04 08 9B EF C5 16 E2 25 BF " +
        "39 04 3F D3 0F E8 28 9C BE E4 56 D9 38 5C BD 4E 5C 1B 86 84 A8 0B E0 BA C2 1A 87 34 34 27 00 4A " +
        "11 C4 D4 16 38 DB 6A 5F 45 91 9F 06 5A FF 95 C5 4F 9E 46 71 B7 E3 C9 1F 8F F6 36 8D 0D 01 D1 EB " +
        "34 49";
}
