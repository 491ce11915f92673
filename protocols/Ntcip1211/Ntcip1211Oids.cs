using City.Protocols.Snmp;

namespace City.Protocols.Ntcip1211;

/// <summary>
/// The NTCIP 1211 v02 objects this stack uses: the priority request generator's (PRG) objects that a priority request
/// server (PRS, here the traffic controller) serves under scp (1.3.6.1.4.1.1206.4.2.11), node 2. Each is a scalar OCTET
/// STRING holding an OER-encoded structure (<see cref="PriorityRequestCodec"/>). The fields below are the objects;
/// their one instance is OBJECT.0 (<see cref="Instance"/>).
/// </summary>
public static class Ntcip1211Oids
{
    /// <summary>scp: NTCIP 1211 Signal Control and Prioritization, devices.scp.</summary>
    public static readonly Oid Scp = Oid.Parse("1.3.6.1.4.1.1206.4.2.11");

    /// <summary>The PRG-to-PRS message objects (PRS-MIB1 5.1.2).</summary>
    public static readonly Oid PrgMessages = Scp.Append(2);

    /// <summary>prgPriorityRequest: a new request (25 bytes, times relative to now).</summary>
    public static readonly Oid PriorityRequest = PrgMessages.Append(1);

    /// <summary>prgPriorityUpdate: new times for a request the PRS holds (25 bytes).</summary>
    public static readonly Oid PriorityUpdate = PrgMessages.Append(2);

    /// <summary>prgPriorityStatusControl: selects the request whose status prgPriorityStatusBuffer then shows (21 bytes).</summary>
    public static readonly Oid PriorityStatusControl = PrgMessages.Append(3);

    /// <summary>prgPriorityStatusBuffer: the selected request's status (23 bytes).</summary>
    public static readonly Oid PriorityStatusBuffer = PrgMessages.Append(4);

    /// <summary>prgPriorityCancel: the PRG withdraws a request (the vehicle has passed, or no longer needs it; 21 bytes).</summary>
    public static readonly Oid PriorityCancel = PrgMessages.Append(5);

    /// <summary>prgPriorityClear: the PRG clears a closed request from the PRS's table (21 bytes).</summary>
    public static readonly Oid PriorityClear = PrgMessages.Append(6);

    /// <summary>The scalar's instance, OBJECT.0.</summary>
    public static Oid Instance(Oid objectOid) => (objectOid ?? throw new ArgumentNullException(nameof(objectOid))).Append(0);
}
