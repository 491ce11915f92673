namespace City.Protocols.Dali.Tests;

/// <summary>Reading memory banks through <see cref="DaliClient"/> from a scripted gear (DTR0/DTR1, READ MEMORY LOCATION, the latch).</summary>
public class D4iReaderTests
{
    private static readonly byte[] Bank1 = Hex.Parse("77 00 FF  03 A6 32 70 5C 35  00 00 00 00 3A DE 68 B1  00 03  18 25  00 78  00 0C");
    private static readonly byte[] Bank0 = Hex.Parse("1A 00 CF  00 00 12 34 56 78  02 01  01 02 03 04 05 06 07 08");
    private static readonly byte[] Bank205 = Hex.Parse("1C 00 FF 01  01 B7 74 00  00 01 9C");
    private static readonly byte[] Bank206 = Hex.Parse("20 00 FF 01  00 00 05  00 05 DF  00 00 00 10  00 DB BA 00");
    private static readonly byte[] Bank207 = Hex.Parse("07 00 FF 01  64 FF 01 F4");

    [Fact]
    public async Task Identity_comes_from_bank_1_in_one_pass()
    {
        var gear = new MemoryGear(5) { Banks = { [0] = Bank0, [1] = Bank1 } };

        var read = await D4iReader.ReadIdentityAsync(new DaliClient(gear), 5);

        Assert.Equal(("4012345678901", "987654321", (byte?)1), (read.Value!.Gtin, read.Value.Serial, read.Value.SourceBank));
        Assert.Empty(read.MissingBanks);
        Assert.Equal(2024m, read.Value.Luminaire!.YearOfManufacture.Value);
        // DTR1 1, DTR0 0, READ (last location), DTR0 3, 22 READs (0x03-0x18); bank 0 is not needed.
        Assert.Equal(4 + 22, gear.Frames.Count);
        Assert.Equal(DaliSpecial.Dtr1(1).Frame, gear.Frames[0]);
        Assert.Equal(DaliSpecial.Dtr0(3).Frame, gear.Frames[3]);
    }

    [Fact]
    public async Task Gear_without_bank_1_gives_bank_0s_identity_and_names_the_missing_bank()
    {
        var gear = new MemoryGear(5) { Banks = { [0] = Bank0 } };

        var read = await D4iReader.ReadIdentityAsync(new DaliClient(gear), 5);

        Assert.Equal(("0000305419896", "72623859790382856", (byte?)0), (read.Value!.Gtin, read.Value.Serial, read.Value.SourceBank));
        Assert.Equal([(byte)1], read.MissingBanks);
        Assert.Null(read.Failure);
    }

    [Fact]
    public async Task A_bank_1_with_a_gtin_but_no_serial_is_still_the_identity()
    {
        var bank1 = (byte[])Bank1.Clone();
        Array.Fill(bank1, (byte)0xFF, 0x09, 8);
        var gear = new MemoryGear(5) { Banks = { [0] = Bank0, [1] = bank1 } };

        var read = await D4iReader.ReadIdentityAsync(new DaliClient(gear), 5);

        Assert.Equal(("4012345678901", null, (byte?)1), (read.Value!.Gtin, read.Value.Serial, read.Value.SourceBank));
        Assert.Equal(26, gear.Frames.Count);
    }

    [Fact]
    public async Task Diagnostics_latch_banks_205_and_206_and_read_207_as_is()
    {
        var gear = new MemoryGear(9) { Banks = { [205] = Bank205, [206] = Bank206, [207] = Bank207 } };

        var read = await D4iReader.ReadDiagnosticsAsync(new DaliClient(gear), 9);

        Assert.Empty(read.MissingBanks);
        Assert.Equal(8000.0, D4iDiagnostics.Hours(read.Value!.OperatingTime));
        Assert.Equal(4000.0, D4iDiagnostics.Hours(read.Value.LampOnTime));
        Assert.Equal(1503m, read.Value.LampStartCount.Value);
        Assert.Equal(100_000m, read.Value.RatedLife.Value);
        Assert.Equal([(byte)205, (byte)206], gear.Latched);
        // 205: 3 + latch 3 + DTR0 + 7; 206: 3 + 3 + 1 + 11; 207: 3 + 1 + 4.
        Assert.Equal(14 + 18 + 8, gear.Frames.Count);
    }

    [Fact]
    public async Task Gear_without_the_diagnostic_banks_gives_no_values_and_names_them()
    {
        var gear = new MemoryGear(9) { Banks = { [0] = Bank0 } };

        var read = await D4iReader.ReadDiagnosticsAsync(new DaliClient(gear), 9);

        Assert.Null(read.Value);
        Assert.Equal([(byte)205, (byte)206, (byte)207], read.MissingBanks);
        // Three banks asked for their last location, nothing more.
        Assert.Equal(9, gear.Frames.Count);
    }

    [Fact]
    public async Task A_location_that_does_not_answer_reads_as_mask_and_the_reader_places_dtr0_again()
    {
        var gear = new MemoryGear(2) { Banks = { [207] = Bank207 }, Holes = { (207, 0x05) } };

        var read = await DaliMemoryBank.ReadAsync(new DaliClient(gear), 2, 207, 0x04, 0x07);

        Assert.Equal(DaliMemoryBankOutcome.Read, read.Outcome);
        Assert.Equal(Hex.Parse("07 00 00 00 64 FF 01 F4"), read.Image);
        Assert.Equal(2, gear.Frames.Count(f => f == DaliSpecial.Dtr0(0x04).Frame || f == DaliSpecial.Dtr0(0x06).Frame));
    }

    [Fact]
    public async Task Reading_stops_at_the_banks_last_location()
    {
        var gear = new MemoryGear(2) { Banks = { [207] = Bank207 } };

        var read = await DaliMemoryBank.ReadAsync(new DaliClient(gear), 2, 207, 0x04, 0x20);

        Assert.Equal(8, read.Image.Length);
        Assert.Equal((byte?)0x07, read.LastLocation);
    }

    [Fact]
    public async Task A_bus_failure_while_reading_is_not_read_with_the_failure()
    {
        var gear = new MemoryGear(2) { Banks = { [1] = Bank1 }, PowerLostAfter = 6 };

        var read = await D4iReader.ReadIdentityAsync(new DaliClient(gear), 2);

        Assert.Null(read.Value);
        Assert.Equal(DaliBusOutcome.BusPowerFailure, read.Failure!.Value.Outcome);
    }

    /// <summary>One gear with memory banks: DTR0/DTR1, READ MEMORY LOCATION (DTR0 counts up on answers), the latch write.</summary>
    private sealed class MemoryGear(byte shortAddress) : IDaliMaster
    {
        private byte _dtr0;
        private byte _dtr1;
        private bool _writeEnabled;

        public Dictionary<byte, byte[]> Banks { get; } = [];

        public HashSet<(byte Bank, byte Location)> Holes { get; } = [];

        public List<byte> Latched { get; } = [];

        public List<DaliForwardFrame> Frames { get; } = [];

        public int PowerLostAfter { get; init; } = int.MaxValue;

        public ValueTask<DaliBusResult> SendAsync(DaliForwardFrame frame, DaliTransmit transmit, CancellationToken cancellationToken)
        {
            Frames.Add(frame);
            if (Frames.Count > PowerLostAfter)
            {
                return ValueTask.FromResult(DaliBusResult.BusPowerFailure);
            }

            byte first = frame.AddressByte;
            byte data = frame.LastByte;
            if (DaliSpecialOpcode.IsSpecial(first))
            {
                switch (first)
                {
                    case DaliSpecialOpcode.Dtr0: _dtr0 = data; break;
                    case DaliSpecialOpcode.Dtr1: _dtr1 = data; break;
                    case DaliSpecialOpcode.WriteMemoryLocationNoReply when _writeEnabled && _dtr0 == DaliMemoryBank.LatchOffset && data == DaliMemoryBank.LatchValue:
                        Latched.Add(_dtr1);
                        break;
                }

                return ValueTask.FromResult(DaliBusResult.Sent);
            }

            Assert.Equal(DaliAddress.Short(shortAddress).ToAddressByte(isCommand: true), first);
            _writeEnabled = data == DaliOpcode.EnableWriteMemory;
            if (data != DaliOpcode.ReadMemoryLocation)
            {
                return ValueTask.FromResult(transmit.ExpectAnswer ? DaliBusResult.NoAnswer : DaliBusResult.Sent);
            }

            if (!Banks.TryGetValue(_dtr1, out var bank) || _dtr0 >= bank.Length || Holes.Contains((_dtr1, _dtr0)))
            {
                return ValueTask.FromResult(DaliBusResult.NoAnswer);
            }

            return ValueTask.FromResult(DaliBusResult.Answer(bank[_dtr0++]));
        }
    }
}
