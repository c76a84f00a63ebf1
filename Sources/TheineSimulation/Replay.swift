import Theine
