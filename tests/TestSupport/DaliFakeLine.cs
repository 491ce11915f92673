using City.Protocols.Dali;

namespace City.TestSupport;

/// <summary>A gear of <see cref="DaliFakeLine"/>: just the state the edge's poller and commands touch.</summary>
public sealed class DaliFakeGear(byte? shortAddress, ushort groups = 0)
{
    public byte? ShortAddress { get; set; } = shortAddress;

    public ushort Groups { get; set; } = groups;

    /// <summary>Ignores ADD TO GROUP / REMOVE FROM GROUP (gear whose group memory is broken).</summary>
    public bool RefusesGroups { get; set; }

    public byte Level { get; set; } = 254;

    public bool LampFailure { get; set; }

    /// <summary>Answers QUERY ACTUAL LEVEL with MASK while its lamp has failed, as IEC 62386-102 asks (false: older gear that keep answering the level).</summary>
    public bool MasksLevelOnFailure { get; set; } = true;

    public bool Silent { get; set; }

    /// <summary>Memory banks by number, each indexed by location (location 0 = last location); none by default.</summary>
    public Dictionary<byte, byte[]> Banks { get; } = [];

    /// <summary>DTR0 and DTR1 as the special commands DTR0/DTR1 set them (READ MEMORY LOCATION counts DTR0 up on answers).</summary>
    public byte Dtr0 { get; set; }

    public byte Dtr1 { get; set; }

    public byte? Answer(byte opcode) => opcode switch
    {
        DaliOpcode.ReadMemoryLocation => ReadMemory(),
        DaliOpcode.QueryStatus => (byte)((LampFailure ? DaliGearStatus.LampFailure : 0) | (!LampFailure && Level > 0 ? DaliGearStatus.LampOn : 0)),
        DaliOpcode.QueryControlGearPresent => 0xFF,
        DaliOpcode.QueryLampFailure => LampFailure ? (byte)0xFF : null,
        DaliOpcode.QueryControlGearFailure => null,
        DaliOpcode.QueryActualLevel => LampFailure && MasksLevelOnFailure ? DaliGear.Mask : Level,
        DaliOpcode.QueryDeviceType => 6,
        DaliOpcode.QueryGroups0To7 => (byte)(Groups & 0xFF),
        DaliOpcode.QueryGroups8To15 => (byte)(Groups >> 8),
        _ => null,
    };

    private byte? ReadMemory()
    {
        if (!Banks.TryGetValue(Dtr1, out var bank) || Dtr0 >= bank.Length)
        {
            return null;
        }

        return bank[Dtr0++];
    }

    /// <summary>A command without answer; configuration commands act only when sent twice, as real gear does.</summary>
    public void Apply(byte opcode, bool sentTwice)
    {
        if (opcode is >= DaliOpcode.AddToGroup and < DaliOpcode.AddToGroup + 16)
        {
            if (sentTwice && !RefusesGroups)
            {
                Groups |= (ushort)(1 << (opcode - DaliOpcode.AddToGroup));
            }

            return;
        }

        if (opcode is >= DaliOpcode.RemoveFromGroup and < DaliOpcode.RemoveFromGroup + 16)
        {
            if (sentTwice && !RefusesGroups)
            {
                Groups &= (ushort)~(1 << (opcode - DaliOpcode.RemoveFromGroup));
            }

            return;
        }

        switch (opcode)
        {
            case DaliOpcode.Off: Level = 0; break;
            case DaliOpcode.RecallMaxLevel: Level = 254; break;
            case DaliOpcode.RecallMinLevel: Level = 1; break;
        }
    }
}

/// <summary>
/// An in-memory DALI line for the edge's tests (the simulator in simulators/ is internal to citysim): part 102 arc power
/// commands, the queries the poller uses, DTR0/DTR1 and READ MEMORY LOCATION of memory banks, collisions when several gear answer, bus power loss, and a record of every
/// forward frame in bus order. <see cref="BeforeTransaction"/> runs inside a transaction (the bus is held meanwhile).
/// </summary>
public sealed class DaliFakeLine : IDaliMaster
{
    private readonly Lock _gate = new();
    private readonly List<DaliForwardFrame> _frames = [];

    public List<DaliFakeGear> Gear { get; } = [];

    public bool Powered { get; set; } = true;

    public Action<int, DaliForwardFrame>? BeforeTransaction { get; set; }

    public IReadOnlyList<DaliForwardFrame> Frames
    {
        get
        {
            lock (_gate)
            {
                return _frames.ToList();
            }
        }
    }

    public DaliFakeGear At(int shortAddress) => Gear.Single(g => g.ShortAddress == shortAddress);

    public ValueTask<DaliBusResult> SendAsync(DaliForwardFrame frame, DaliTransmit transmit, CancellationToken cancellationToken)
    {
        int index;
        lock (_gate)
        {
            index = _frames.Count;
            _frames.Add(frame);
        }

        BeforeTransaction?.Invoke(index, frame);
        if (!Powered)
        {
            return ValueTask.FromResult(DaliBusResult.BusPowerFailure);
        }

        if (frame.Bits == 16 && frame.AddressByte is DaliSpecialOpcode.Dtr0 or DaliSpecialOpcode.Dtr1)
        {
            foreach (var gear in Gear)
            {
                if (frame.AddressByte == DaliSpecialOpcode.Dtr0)
                {
                    gear.Dtr0 = frame.LastByte;
                }
                else
                {
                    gear.Dtr1 = frame.LastByte;
                }
            }

            return ValueTask.FromResult(DaliBusResult.Sent);
        }

        if (frame.Bits != 16 || !DaliAddress.TryParse(frame.AddressByte, out var address, out bool isCommand))
        {
            return ValueTask.FromResult(transmit.ExpectAnswer ? DaliBusResult.NoAnswer : DaliBusResult.Sent);
        }

        var addressed = Gear.Where(g => address.Addresses(g.ShortAddress, g.Groups)).ToList();
        if (!isCommand)
        {
            foreach (var gear in addressed)
            {
                gear.Level = frame.LastByte;
            }

            return ValueTask.FromResult(DaliBusResult.Sent);
        }

        if (!transmit.ExpectAnswer)
        {
            foreach (var gear in addressed)
            {
                gear.Apply(frame.LastByte, transmit.SendTwice);
            }

            return ValueTask.FromResult(DaliBusResult.Sent);
        }

        var answers = addressed.Where(g => !g.Silent).Select(g => g.Answer(frame.LastByte)).OfType<byte>().ToList();
        return ValueTask.FromResult(answers.Count switch
        {
            0 => DaliBusResult.NoAnswer,
            1 => DaliBusResult.Answer(answers[0]),
            _ => DaliBusResult.FramingError,
        });
    }
}
