using System.Net;

namespace City.Protocols.Snmp.Tests;

/// <summary>An agent on a loopback port with the system group, a writable scalar, a read-only Counter64 and an interface-like table.</summary>
internal static class TestAgent
{
    public static readonly Oid Enterprise = Oid.Parse("1.3.6.1.4.1.99999");
    public static readonly Oid Mode = Enterprise.Append(1);          // writable INTEGER 1..3
    public static readonly Oid Octets64 = Enterprise.Append(2);      // Counter64, read-only
    public static readonly Oid TableEntry = Enterprise.Append(3, 1); // columns 1 index, 2 name (writable), 3 count
    public const string AuthPassword = "agentauthpass";
    public const string PrivPassword = "agentprivpass";

    public static (SnmpAgent Agent, MibTable Table) Create(int rows = 5, int maxResponseSize = UdpSnmpTransport.MaxDatagramSize, int port = 0)
    {
        var mib = new MibTree();
        SnmpAgent agent = new(mib, UdpSnmpTransport.Bind(new IPEndPoint(IPAddress.Loopback, port))) { MaxResponseSize = maxResponseSize };
        Mib2System.Register(mib, () => agent.UpTime, "City test agent", Enterprise, "ops", "agent-under-test", "lab");
        int mode = 1;
        mib.AddScalar(Mode, () => SnmpValue.Integer(Volatile.Read(ref mode)), new MibWrite(
            SnmpValueType.Integer,
            value => Volatile.Write(ref mode, value.AsInt32()),
            value => value.AsInt32() is >= 1 and <= 3 ? SnmpErrorStatus.NoError : SnmpErrorStatus.WrongValue));
        mib.AddScalar(Octets64, SnmpValue.Counter64(1UL << 40));
        MibTable table = mib.AddTable(TableEntry,
            new MibColumn(1, SnmpValueType.Integer),
            new MibColumn(2, SnmpValueType.OctetString, Writable: true),
            new MibColumn(3, SnmpValueType.Counter32));
        for (uint row = 1; row <= rows; row++)
        {
            table.SetRow(row, new Dictionary<uint, SnmpValue>
            {
                [1] = SnmpValue.Integer((int)row),
                [2] = SnmpValue.OctetString($"port{row}"),
                [3] = SnmpValue.Counter32(row * 1000),
            });
        }

        agent.AddCommunity("public");
        agent.AddCommunity("private", writable: true);
        agent.AddUser(new UsmUser("reader", SnmpAuthProtocol.Sha256, AuthPassword, SnmpPrivProtocol.Aes128, PrivPassword));
        agent.AddUser(new UsmUser("writer", SnmpAuthProtocol.Sha256, AuthPassword, SnmpPrivProtocol.Aes128, PrivPassword), writable: true);
        agent.Start();
        return (agent, table);
    }
}
