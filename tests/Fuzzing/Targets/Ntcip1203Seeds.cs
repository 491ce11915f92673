using System.Net;
using System.Text;
using City.Protocols.Ntcip1203;

namespace City.Fuzzing.Targets;

/// <summary>
/// Seeds: the MULTI strings of tests/Ntcip1203.Tests (MultiParserTests: NTCIP 1203 section 6 tag syntax, accepted and
/// refused), the octet vectors of DmsCodecTests (MessageActivationCode and MessageIDCode as NTCIP 1203's OER gives the
/// structures) and GET answers shaped as citysim's sign gives them (simulators/CitySim/Vms).
/// </summary>
internal static class Ntcip1203Seeds
{
    public static IEnumerable<byte[]> MultiStrings() =>
        new[]
        {
            "[jp3][jl3]ROAD WORK[nl]AHEAD[np][pt25o5]SLOW DOWN", "", "[nl][np]", "[[A12]] EXIT 123456", "A[nl]B[nl]C[nl]D",
            "1[np]2[np]3[np]4[np]5[np]6[np]7", "OK[fo3]X", "AB[cf255,0,0]", "[jl5]FULL", "[pt256o0]", "[fo1,12G4]", "X[jp2]",
            "CAFÉ", "OPEN [nl", "A]B", "[fo1,1A2B][pt][pt30][nl5]X", "[JL4][NP]upper case tags",
        }.Select(Encoding.UTF8.GetBytes);

    public static IEnumerable<byte[]> Objects()
    {
        yield return SeedHex.Parse("FFFF FF 03 0001 906E 0A140001");
        yield return MessageActivationCode.Blank(128, IPAddress.Any).Encode();
        yield return SeedHex.Parse("03 0002 1234");

        // Geometry: character 7 x 5 pixels, sign 21 x 90 (3 lines of 18), 6 pages, 1024 characters, font 1.
        yield return [.. Integer(7), .. Integer(5), .. Integer(21), .. Integer(90), .. Integer(6), .. Integer(1024), .. Integer(1)];

        // The current message: from changeable message 1 (CRC 0x906E), "ROAD WORK", until replaced.
        yield return [.. Octets(new MessageIdCode(MessageMemoryType.Changeable, 1, 0x906E).Encode()), .. Octets(Encoding.ASCII.GetBytes("[jl3]ROAD WORK[nl]AHEAD")), .. Integer(65535)];

        // Status: lamp and pixel errors, 3 failed pixels, lamps 0 and 9 stuck off, none stuck on, door 1 open, no controller error.
        yield return [.. Integer(0x2030), .. Integer(3), .. Octets([0x01, 0x02]), .. Octets([0x00]), .. Integer(1), .. Integer(0)];

        // dmsMultiSyntaxError fontNotDefined (6) at offset 2; then an answer of noSuchObject (tag 80, empty).
        yield return [.. Integer(6), .. Integer(2)];
        yield return [.. Integer(0), .. Integer(3), 0x80, 0x00];
    }

    private static byte[] Integer(int value)
    {
        byte[] big = new System.Numerics.BigInteger(value).ToByteArray(isUnsigned: false, isBigEndian: true);
        return [0x02, (byte)big.Length, .. big];
    }

    private static byte[] Octets(byte[] contents) => [0x04, (byte)contents.Length, .. contents];
}
