using System.Globalization;
using City.Protocols.Snmp;

namespace City.Benchmarks.Snmp;

/// <summary>The shapes both sides of the SNMP walk benchmark agree on: an ifTable-like table and one v3 user.</summary>
internal static class SnmpBenchSetup
{
    public const string Community = "public";
    public const string UserName = "bench";
    public const string AuthPassword = "bench-auth-pass";
    public const string PrivPassword = "bench-priv-pass";

    /// <summary>ifEntry (1.3.6.1.2.1.2.2.1): the table is served under the usual ifTable OID so net-snmp prints it familiarly.</summary>
    public static readonly Oid TableEntry = Oid.Parse("1.3.6.1.2.1.2.2.1");

    public static UsmUser CreateUser() =>
        new(UserName, SnmpAuthProtocol.Sha256, AuthPassword, SnmpPrivProtocol.Aes128, PrivPassword);

    /// <summary>Four columns per row (ifIndex, ifDescr, ifType, ifInOctets): 4 x <paramref name="rows"/> varbinds in a walk.</summary>
    public static void AddInterfaceTable(MibTree mib, int rows)
    {
        MibTable table = mib.AddTable(TableEntry,
            new MibColumn(1, SnmpValueType.Integer),
            new MibColumn(2, SnmpValueType.OctetString),
            new MibColumn(3, SnmpValueType.Integer),
            new MibColumn(10, SnmpValueType.Counter32));
        for (int index = 1; index <= rows; index++)
        {
            table.SetRow((uint)index, new Dictionary<uint, SnmpValue>
            {
                [1] = SnmpValue.Integer(index),
                [2] = SnmpValue.OctetString("port" + index.ToString(CultureInfo.InvariantCulture)),
                [3] = SnmpValue.Integer(6),
                [10] = SnmpValue.Counter32((uint)index * 7919u),
            });
        }
    }

    /// <summary>Value of "--name value" in <paramref name="args"/>, or <paramref name="fallback"/>.</summary>
    public static string Option(string[] args, string name, string fallback)
    {
        int position = Array.IndexOf(args, name);
        return position >= 0 && position + 1 < args.Length ? args[position + 1] : fallback;
    }

    public static int IntOption(string[] args, string name, int fallback) =>
        int.Parse(Option(args, name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
}
