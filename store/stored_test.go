package store

import (
	"fmt"
	"os"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	acv3 "github.com/bookingserver/bookingserver/gen/actionscenter/v3"
	bsv1 "github.com/bookingserver/bookingserver/gen/bookingserver/v1"
)

// fillAll sets every field of m, recursively, to a value that is not the default and
// not the value of the field before it (two elements in each list, one entry in each
// map): a conversion that leaves a field out loses a value and fails the comparison.
// Of a oneof, only the last member stays set.
func fillAll(m protoreflect.Message, n *int) {
	fields := m.Descriptor().Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		switch {
		case fd.IsMap():
			mp := m.Mutable(fd).Map()
			k := scalarValue(fd.MapKey(), n).MapKey()
			if fd.MapValue().Message() != nil {
				v := mp.NewValue()
				fillAll(v.Message(), n)
				mp.Set(k, v)
			} else {
				mp.Set(k, scalarValue(fd.MapValue(), n))
			}
		case fd.IsList():
			l := m.Mutable(fd).List()
			for range 2 {
				if fd.Message() != nil {
					e := l.NewElement()
					fillAll(e.Message(), n)
					l.Append(e)
				} else {
					l.Append(scalarValue(fd, n))
				}
			}
		case fd.Message() != nil:
			fillAll(m.Mutable(fd).Message(), n)
		default:
			m.Set(fd, scalarValue(fd, n))
		}
	}
}

// scalarValue is the next value for fd: *n counts up, so no two fields are equal.
func scalarValue(fd protoreflect.FieldDescriptor, n *int) protoreflect.Value {
	*n++
	switch fd.Kind() {
	case protoreflect.BoolKind:
		return protoreflect.ValueOfBool(true)
	case protoreflect.EnumKind:
		values := fd.Enum().Values()
		return protoreflect.ValueOfEnum(values.Get(1 + *n%(values.Len()-1)).Number())
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return protoreflect.ValueOfInt32(int32(*n))
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return protoreflect.ValueOfInt64(int64(*n))
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return protoreflect.ValueOfUint32(uint32(*n))
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return protoreflect.ValueOfUint64(uint64(*n))
	case protoreflect.FloatKind:
		return protoreflect.ValueOfFloat32(float32(*n))
	case protoreflect.DoubleKind:
		return protoreflect.ValueOfFloat64(float64(*n))
	case protoreflect.StringKind:
		return protoreflect.ValueOfString(fmt.Sprintf("%s-%d", fd.Name(), *n))
	case protoreflect.BytesKind:
		return protoreflect.ValueOfBytes([]byte(fmt.Sprintf("%s-%d", fd.Name(), *n)))
	}
	panic(fmt.Sprintf("fillAll: kind %v of %s", fd.Kind(), fd.FullName()))
}

// newOf returns a new, empty M.
func newOf[M proto.Message]() M {
	var zero M
	return zero.ProtoReflect().New().Interface().(M)
}

// storedKind is one record type the stores write in a stored form, with its two
// conversions.
type storedKind struct {
	newWire, newStored func() proto.Message
	toStored, toWire   func(proto.Message) proto.Message
}

func kindOf[W, S proto.Message](toStored func(W) S, set func(W, S)) storedKind {
	return storedKind{
		newWire:   func() proto.Message { return newOf[W]() },
		newStored: func() proto.Message { return newOf[S]() },
		toStored:  func(m proto.Message) proto.Message { return toStored(m.(W)) },
		toWire: func(m proto.Message) proto.Message {
			w := newOf[W]()
			set(w, m.(S))
			return w
		},
	}
}

// oldFormatKinds are the record types whose old format is the core record itself:
// the stores wrote it as it is before stored.proto, under the same numbers.
var oldFormatKinds = []storedKind{
	kindOf(storedBookingRecord, setBookingRecord),
	kindOf(storedOutboxRecord, setOutboxRecord),
	kindOf(storedServiceCart, setServiceCart),
	kindOf(func(r *bsv1.SlotRecord) *bsv1.StoredSlotRecord { return storedSlotRecord(r.GetAvailability()) }, setSlotRecord),
	kindOf(storedMerchant, setMerchant),
	kindOf(storedService, setService),
}

// storedKinds are every record type that has a stored form (storedForm). The core
// IdempotencyRecord keeps its answer under another number than the stores do, so
// TestStoredIdempotencyRecordGolden reads its old format.
var storedKinds = append([]storedKind{kindOf(storedIdempotencyRecord, setIdempotencyRecord)}, oldFormatKinds...)

// filledWith sets every field of m (fillAll) and returns it.
func filledWith(m proto.Message) proto.Message {
	n := 0
	fillAll(m.ProtoReflect(), &n)
	return m
}

// TestStoredFormsMapEveryField converts a record with every field set both ways, from
// each side: a field added to one of Google's messages (or to our record, or to its
// stored form) and not mapped in stored.go fails here.
func TestStoredFormsMapEveryField(t *testing.T) {
	for _, k := range storedKinds {
		wire := filledWith(k.newWire())
		t.Run(string(wire.ProtoReflect().Descriptor().Name()), func(t *testing.T) {
			if back := k.toWire(k.toStored(wire)); !proto.Equal(wire, back) {
				t.Errorf("core → stored → core lost fields:\n got %v\nwant %v", back, wire)
			}
			stored := filledWith(k.newStored())
			if again := k.toStored(k.toWire(stored)); !proto.Equal(stored, again) {
				t.Errorf("stored → core → stored lost fields:\n got %v\nwant %v", again, stored)
			}
		})
	}
}

// TestStoredFormsReadOldFormat: before stored.proto the stores wrote the core's
// records themselves, Google's messages embedded. Such a record, every field set,
// decodes through the stored form to the same values, and a record written now is
// byte for byte what the old code wrote, so a downgrade reads it too.
func TestStoredFormsReadOldFormat(t *testing.T) {
	for _, k := range oldFormatKinds {
		old := filledWith(k.newWire())
		t.Run(string(old.ProtoReflect().Descriptor().Name()), func(t *testing.T) {
			oldRaw, err := recordMarshal.Marshal(old)
			if err != nil {
				t.Fatal(err)
			}
			got := k.newWire()
			if err := unmarshalStored(oldRaw, got); err != nil {
				t.Fatal(err)
			}
			if !proto.Equal(old, got) {
				t.Errorf("old-format record decoded as\n%v\nwant\n%v", got, old)
			}
			newRaw, err := marshal(old)
			if err != nil {
				t.Fatal(err)
			}
			if string(newRaw) != string(oldRaw) {
				t.Errorf("stored form encodes differently from the old format:\n got %x\nwant %x", newRaw, oldRaw)
			}
		})
	}
}

// TestStoredBookingRecordGolden decodes a record written by the code before
// stored.proto (testdata/booking_record_old.binpb, BookingRecord marshalled by
// putRecord at commit d77e477, every field set) and compares it with the same record
// in JSON: it holds even when fields are added later, which the two tests above cannot
// see.
func TestStoredBookingRecordGolden(t *testing.T) {
	raw, err := os.ReadFile("testdata/booking_record_old.binpb")
	if err != nil {
		t.Fatal(err)
	}
	js, err := os.ReadFile("testdata/booking_record_old.json")
	if err != nil {
		t.Fatal(err)
	}
	want := &bsv1.BookingRecord{}
	if err := protojson.Unmarshal(js, want); err != nil {
		t.Fatal(err)
	}
	got := &bsv1.BookingRecord{}
	if err := unmarshal(raw, got); err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(want, got) {
		t.Errorf("golden record decoded as\n%v\nwant\n%v", got, want)
	}
}

// TestStoredEnumsPairEveryValue: each of Google's enum values has its stored value,
// with the same number (what the old records hold), and each stored value its wire
// value.
func TestStoredEnumsPairEveryValue(t *testing.T) {
	checkEnum(t, bookingStatuses)
	checkEnum(t, prepaymentStatuses)
	checkEnum(t, paymentProcessors)
	checkEnum(t, confirmationModes)
	checkEnum(t, priceTypes)
	checkEnum(t, requireCreditCards)
	checkEnum(t, durationRequirements)
	checkEnum(t, creditCardTypes)
	checkEnum(t, paymentOptionTypes)
	checkEnum(t, processors)
	checkEnum(t, billingFormats)
	checkEnum(t, authMethods)
	checkEnum(t, priceInterpretations)
	checkEnum(t, prepaymentTypes)
	checkEnum(t, admissionPolicies)
}

type protoEnum interface {
	~int32
	Descriptor() protoreflect.EnumDescriptor
}

func checkEnum[W, S protoEnum](t *testing.T, m enumMap[W, S]) {
	t.Helper()
	var w W
	var s S
	wires, storeds := w.Descriptor().Values(), s.Descriptor().Values()
	for i := range wires.Len() {
		v := W(wires.Get(i).Number())
		got, ok := m.toStored[v]
		if !ok || int32(got) != int32(v) {
			t.Errorf("%s %v: stored as %v (paired: %t), want the same number", w.Descriptor().FullName(), v, got, ok)
		}
	}
	for i := range storeds.Len() {
		if _, ok := m.toWire[S(storeds.Get(i).Number())]; !ok {
			t.Errorf("%s %v has no %s value", s.Descriptor().FullName(), storeds.Get(i).Name(), w.Descriptor().FullName())
		}
	}
}

// TestStoredMerchantKeepsEitherAddress: fillAll sets only the last member of a oneof,
// so the structured member of GeoCoordinates.addresses is checked here.
func TestStoredMerchantKeepsEitherAddress(t *testing.T) {
	m := &acv3.Merchant{MerchantId: "m1", Geo: &acv3.GeoCoordinates{
		Latitude:  48.85,
		Addresses: &acv3.GeoCoordinates_Address{Address: &acv3.PostalAddress{Country: "FR", Locality: "Paris"}},
	}}
	raw, err := marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	got := &acv3.Merchant{}
	if err := unmarshal(raw, got); err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(m, got) {
		t.Errorf("merchant stored as %v, want %v", got, m)
	}
}

// TestSummaryFieldNumbers: the hand decoders of slotsummary.go read the stored forms'
// field numbers.
func TestSummaryFieldNumbers(t *testing.T) {
	for _, c := range []struct {
		m     proto.Message
		field protoreflect.Name
		num   protoreflect.FieldNumber
	}{
		{&bsv1.StoredSlotRecord{}, "availability", fieldSlotRecordAvailability},
		{&bsv1.StoredAvailability{}, "start_sec", fieldAvailabilityStartSec},
		{&bsv1.StoredAvailability{}, "spots_open", fieldAvailabilitySpotsOpen},
		{&bsv1.StoredAvailability{}, "availability_tag", fieldAvailabilityTag},
		{&bsv1.StoredAvailability{}, "scheduling_rule_overrides", fieldAvailabilityOverrides},
		{&bsv1.StoredAvailability_SchedulingRuleOverrides{}, "last_bookable_sec", fieldOverridesLastBookable},
		{&bsv1.StoredAvailability_SchedulingRuleOverrides{}, "first_bookable_sec", fieldOverridesFirstBookable},
		{&bsv1.StoredService{}, "rules", fieldServiceRules},
		{&bsv1.StoredSchedulingRules{}, "min_advance_booking", fieldRulesMinAdvanceBooking},
		{&bsv1.StoredSchedulingRules{}, "admission_policy", fieldRulesAdmissionPolicy},
		{&bsv1.StoredSchedulingRules{}, "min_booking_buffer_before_end_time", fieldRulesBufferBeforeEnd},
	} {
		d := c.m.ProtoReflect().Descriptor()
		if fd := d.Fields().ByName(c.field); fd == nil || fd.Number() != c.num {
			t.Errorf("%s.%s: descriptor %v, slotsummary.go reads %d", d.FullName(), c.field, fd, c.num)
		}
	}
}

// TestStoredIdempotencyRecordGolden decodes an idempotency record written by the code
// before StoredIdempotencyRecord (testdata/idempotency_record_old.binpb, written by
// putRecord at commit 86dba15: every field set, the answer a serialized
// CreateBookingResponse whose booking has every field set) and compares it with the
// record in JSON; and a record written now is those bytes again, so the older code
// (a replica not yet upgraded, or a downgrade) replays what this code stores.
func TestStoredIdempotencyRecordGolden(t *testing.T) {
	raw, err := os.ReadFile("testdata/idempotency_record_old.binpb")
	if err != nil {
		t.Fatal(err)
	}
	js, err := os.ReadFile("testdata/idempotency_record_old.json")
	if err != nil {
		t.Fatal(err)
	}
	want := &bsv1.IdempotencyRecord{}
	if err := protojson.Unmarshal(js, want); err != nil {
		t.Fatal(err)
	}
	got := &bsv1.IdempotencyRecord{}
	if err := unmarshal(raw, got); err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(want, got) {
		t.Errorf("golden record decoded as\n%v\nwant\n%v", got, want)
	}
	again, err := marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(raw) {
		t.Errorf("the record encodes differently from the old format:\n got %x\nwant %x", again, raw)
	}
}
