using City.Protocols.Snmp;

namespace City.Fuzzing.Targets;

/// <summary>
/// Seeds: net-snmp 5.9.3 captures (tests/Snmp.Tests/NetSnmpCaptures.cs: v2c get and bulk, v1 and v2c traps, the v3
/// discovery, an authPriv SHA-256/AES get by user alice) and messages written by this project's encoder and USM.
/// </summary>
internal static class SnmpSeeds
{
    private const string V2cGetRequest =
        "302902010104067075626C6963A01C0204107F379A020100020100300E300C06082B060102010105000500";
    private const string V2cGetResponse =
        "302B02010104067075626C6963A21E0204107F379A0201000201003010300E06082B060102010105000402766D";
    private const string V2cGetBulkRequest =
        "303702010104067075626C6963A52A02044FE68C9B020101020103301C300B06072B0601020101030500300D06092B06" +
        "010201020201010500";
    private const string V1Trap =
        "303D02010004067075626C6963A43006072B06010401893640040A010203020106020111430204D230153013060D2B06" +
        "010401893604020103090002020080";
    private const string V3DiscoveryRequest =
        "303E02010330110204351AA0DA020300FFE30401040201030410300E0400020100020100040004000400301404000400" +
        "A00E0204184288BA0201000201003000";
    private const string V3DiscoveryReport =
        "307102010330110204351AA0DA020300FFE30401000201030421301F041180001F8880674C9302D36A086B0000000002" +
        "01010201050400040004003036041180001F8880674C9302D36A086B000000000400A81F0204184288BA020100020100" +
        "3011300F060A2B060106030F01010400410101";
    private const string V3AuthPrivGetRequest =
        "30819502010330110204351AA0D9020300FFE304010702010304463044041180001F8880674C9302D36A086B00000000" +
        "0201010201050405616C69636504186A0D648C5E8D9633C57BCEC0C8F3E6C23DD1EF0DA16A0D130408EBFF1CA365B80E" +
        "1E04359422BE467C0EE4A24352A3951B6EC525B018158123014A210148F7C8C5F45E3EAEE1083E851C9BA45BBBB9761D" +
        "B20B570012E806FA";
    private const string V3AuthPrivGetResponse =
        "30819F02010330110204351AA0D9020300FFE304010302010304463044041180001F8880674C9302D36A086B00000000" +
        "0201010201050405616C69636504188467AD5D150C17ED3A5D340A61AC4085113D3461A521264B04089BEFC516E225BF" +
        "39043FD30FE8289CBEE456D9385CBD4E5C1B8684A80BE0BAC21A87343427004A11C4D41638DB6A5F45919F065AFF95C5" +
        "4F9E4671B7E3C91F8FF6368D0D01D1EB3449";

    public static IEnumerable<byte[]> Requests()
    {
        foreach (string capture in new[] { V2cGetRequest, V2cGetBulkRequest, V1Trap, V3DiscoveryRequest, V3AuthPrivGetRequest })
        {
            yield return SeedHex.Parse(capture);
        }

        Oid sysName = Mib2System.SysName.Append(0);
        Oid mode = SnmpTargets.Enterprise.Append(1, 0);
        yield return SnmpCodec.Encode(new CommunityMessage(SnmpVersion.V1, "public", new SnmpPdu(SnmpPduType.GetNextRequest, 2, [new VarBind(Oid.Parse("1.3"))])));
        yield return SnmpCodec.Encode(new CommunityMessage(SnmpVersion.V2c, "private", new SnmpPdu(SnmpPduType.SetRequest, 3,
            [new VarBind(mode, SnmpValue.Integer(2)), new VarBind(Mib2System.SysContact.Append(0), SnmpValue.OctetString("night shift"))])));
        yield return SnmpCodec.Encode(new CommunityMessage(SnmpVersion.V2c, "public", SnmpPdu.GetBulk(4, 1, 10, [new VarBind(sysName), new VarBind(SnmpTargets.Enterprise.Append(3))])));
        yield return Seal(5, SnmpSecurityLevel.AuthPriv, SnmpTargets.Alice, new SnmpPdu(SnmpPduType.SetRequest, 5, [new VarBind(mode, SnmpValue.Integer(3))]));
        yield return Seal(6, SnmpSecurityLevel.AuthNoPriv, SnmpTargets.Bob, SnmpPdu.GetBulk(6, 0, 5, [new VarBind(Oid.Parse("1.3.6.1.2.1.1"))]));
        yield return Seal(7, SnmpSecurityLevel.AuthPriv, SnmpTargets.Carol, new SnmpPdu(SnmpPduType.GetRequest, 7, [new VarBind(sysName)]));
        yield return Seal(8, SnmpSecurityLevel.AuthPriv, SnmpTargets.Alice, new SnmpPdu(SnmpPduType.InformRequest, 8,
            [new VarBind(Mib2System.SysUpTime.Append(0), SnmpValue.TimeTicks(100)), new VarBind(Mib2System.SnmpTrapOid, SnmpValue.ObjectIdentifier(SnmpTargets.Enterprise.Append(0, 1)))]));
    }

    public static IEnumerable<byte[]> Responses()
    {
        foreach (string capture in new[] { V2cGetResponse, V3DiscoveryReport, V3AuthPrivGetResponse })
        {
            yield return SeedHex.Parse(capture);
        }

        yield return SnmpCodec.Encode(new CommunityMessage(SnmpVersion.V2c, "public", new SnmpPdu(SnmpPduType.Response, 9,
        [
            new VarBind(Oid.Parse("1.3.6.1.2.1.1.3.0"), SnmpValue.TimeTicks(4321)),
            new VarBind(Oid.Parse("1.3.6.1.4.1.9.1"), SnmpValue.Counter32(uint.MaxValue)),
            new VarBind(Oid.Parse("1.3.6.1.4.1.9.2"), SnmpValue.Counter64(ulong.MaxValue)),
            new VarBind(Oid.Parse("1.3.6.1.4.1.9.3"), SnmpValue.OctetString("cab1")),
            new VarBind(Oid.Parse("1.3.6.1.4.1.9.4"), SnmpValue.NoSuchInstance),
        ])));
        yield return Seal(10, SnmpSecurityLevel.AuthPriv, SnmpTargets.Alice, new SnmpPdu(SnmpPduType.Response, 10, [new VarBind(Mib2System.SysName.Append(0), SnmpValue.OctetString("cabinet"))]));
        yield return Seal(11, SnmpSecurityLevel.AuthNoPriv, SnmpTargets.Bob, new SnmpPdu(SnmpPduType.Report, 11, [new VarBind(UsmStats.NotInTimeWindows, SnmpValue.Counter32(1))]));
    }

    private static byte[] Seal(int id, SnmpSecurityLevel level, UsmUser user, SnmpPdu pdu) =>
        Usm.Seal(id, 1500, true, level, new ScopedPdu(SnmpTargets.EngineId, default, pdu), user.Name, user, SnmpTargets.EngineId, 1, 5);
}
