/** The Vant components every mobile app registers (kept apart from the CSS, for tests). */
import {
  ActionSheet,
  Button,
  Cell,
  CellGroup,
  Checkbox,
  Dialog,
  Empty,
  Field,
  Form,
  Icon,
  Loading,
  NavBar,
  Popup,
  PullRefresh,
  Rate,
  Space,
  Tag,
  Toast,
} from 'vant';

export const SHARED_VANT = [ActionSheet, Button, Cell, CellGroup, Checkbox, Dialog, Empty, Field, Form, Icon, Loading, NavBar, Popup, PullRefresh, Rate, Space, Tag, Toast];
